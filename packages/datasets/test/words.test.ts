import { describe, expect, it } from 'vitest';
import {
  EOS,
  UNK,
  Vocabulary,
  WordSwapAttack,
  idsToText,
  textToWords,
  tokenizeText,
  wordsToIds,
} from '../src/index.js';

const TEXTS = [
  'the cat sat\non the mat\n',
  ' = Heading = \r\n\r\nline two\rline\u00a0three',
  'no line end',
  '\n\n',
  'tabs\tand\u3000wide  spaces \n',
];

describe('textToWords + wordsToIds', () => {
  it.each(TEXTS)('give the file tokeniser ids for %j (finalEos: true)', (text) => {
    const vocab = new Vocabulary();
    const reference = tokenizeText(text, vocab).ids; // grows the vocabulary, then frozen below
    const ids = wordsToIds(textToWords(text, { finalEos: true }), vocab);
    expect(Array.from(ids)).toEqual(Array.from(reference));
  });

  it('leave the last line open for a prompt, and map unknown words and the swap token to <unk>', () => {
    expect(textToWords('the cat\nsat', { finalEos: false })).toEqual(['the', 'cat', EOS, 'sat']);
    expect(textToWords('the cat\n', { finalEos: false })).toEqual(['the', 'cat', EOS]);
    const vocab = new Vocabulary(['the', EOS, UNK, 'AAA']);
    expect(Array.from(wordsToIds(['the', 'dog', 'AAA'], vocab, 'AAA'))).toEqual([0, 2, 2]);
    expect(() => wordsToIds(['dog'], new Vocabulary(['the']))).toThrow(/no word "dog"/);
  });

  it('the attack on a line maps like tokenizeText with the same attack (seed 3)', () => {
    const vocab = new Vocabulary(['the', 'committee', 'approved', 'budget', '.', EOS, UNK]);
    const text = 'the committee approved the budget .\nthe budget .';
    const reference = tokenizeText(text, vocab, {
      frozen: true,
      transformLine: new WordSwapAttack({ seed: 3, rate: 0.5 }).attackLine,
      unknownWord: 'AAA',
    });
    const attack = new WordSwapAttack({ seed: 3, rate: 0.5 });
    const attacked = text.split('\n').map(attack.attackLine).join('\n');
    expect(Array.from(wordsToIds(textToWords(attacked, { finalEos: true }), vocab, 'AAA'))).toEqual(
      Array.from(reference.ids),
    );
  });
});

describe('idsToText', () => {
  it('joins words with spaces and turns <eos> into line breaks', () => {
    const vocab = new Vocabulary(['the', EOS, 'cat']);
    expect(idsToText([0, 2, 1, 2, 0], vocab)).toBe('the cat\ncat the');
  });
});
