import { describe, expect, it } from 'vitest';
import { applyVocabCap, capVocabulary } from '../src/index.js';
import { cappedWords } from '../src/data/vocab-cap.js';

describe('cappedWords', () => {
  it('lists the capped vocabulary by new id, so that word(applyVocabCap(id)) is the word or <unk>', () => {
    const words = ['a', 'b', '<eos>', 'c', '<unk>', 'd'];
    const train = Int32Array.from([0, 0, 0, 1, 2, 2, 3, 3, 5]); // a×3, <eos>×2, c×2, b, d; cap 4 keeps a, <eos>, c
    const cap = capVocabulary(train, words.length, 4, 4);
    const capped = cappedWords(words, cap);
    expect(capped).toHaveLength(cap.size);
    const mapped = applyVocabCap(Int32Array.from([0, 1, 2, 3, 4, 5]), cap);
    expect(Array.from(mapped, (id) => capped[id])).toEqual(['a', '<unk>', '<eos>', 'c', '<unk>', '<unk>']);
  });

  it('is the full list when nothing is capped', () => {
    const words = ['x', '<eos>', '<unk>'];
    expect(cappedWords(words, capVocabulary(Int32Array.from([0, 1]), 3, 2, 10))).toEqual(words);
  });
});
