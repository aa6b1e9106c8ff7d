import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DatasetError,
  ENGLISH_STOP_WORDS,
  SeededRandom,
  WordSwapAttack,
  loadWikiText,
  tokenizeAttackedSplit,
  wordsToSwap,
} from '@momentum-smoe/datasets';

const root = mkdtempSync(join(tmpdir(), 'msmoe-attack-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const CONTENT = ['committee', 'budget', 'river', 'Paris', 'nation', 'season', 'album', 'army', '1914', 'players'];
const STOPS = ['the', 'The', 'of', 'and', 'a', 'in', 'was', 'it', 'to', 'by'];
const PUNCT = [',', '.', '@-@', '(', ')'];

/** A line of `n` tokens: content words, stop words and punctuation, with the counts returned. */
function makeLine(rng: SeededRandom, n: number): { line: string; words: number; content: number } {
  const tokens: string[] = [];
  let words = 0;
  let content = 0;
  for (let i = 0; i < n; i++) {
    const kind = rng.int(3);
    const pool = kind === 0 ? CONTENT : kind === 1 ? STOPS : PUNCT;
    tokens.push(pool[rng.int(pool.length)]!);
    if (kind !== 2) words++;
    if (kind === 0) content++;
  }
  return { line: tokens.join(' '), words, content };
}

describe('word-swap attack', () => {
  it('swaps max(floor(rate * words), 1) words per line, as TextAttack rounds', () => {
    // Hand-computed from the formula.
    expect([0, 1, 10, 66, 67, 133, 134, 200].map((n) => wordsToSwap(0.015, n))).toEqual([0, 1, 1, 1, 1, 1, 2, 3]);
    expect(wordsToSwap(0.1, 25)).toBe(2);
  });

  for (const seed of [1, 2, 3]) {
    it(`swaps exactly the expected count, only non-stop-words, leaving the rest in place (seed ${seed})`, () => {
      const rng = new SeededRandom(seed * 31);
      const attack = new WordSwapAttack({ rate: 0.1, seed });
      for (let l = 0; l < 200; l++) {
        const { line, words, content } = makeLine(rng, rng.int(60));
        const before = line === '' ? [] : line.split(' ');
        const after = attack
          .attackLine(line)
          .split(' ')
          .filter((t) => t !== '');
        expect(after.length, `seed ${seed} line ${l}`).toBe(before.length);
        const swapped = before.flatMap((t, i) => (after[i] !== t ? [t] : []));
        expect(swapped.length, `seed ${seed} line ${l}: ${line}`).toBe(
          Math.min(words === 0 ? 0 : Math.max(Math.floor(0.1 * words), 1), content),
        );
        for (const [i, t] of before.entries()) if (after[i] !== t) expect(after[i]).toBe('AAA');
        expect(
          swapped.every((t) => CONTENT.includes(t)),
          `seed ${seed} line ${l}`,
        ).toBe(true);
      }
    });
  }

  it('is reproducible with a seed and differs across seeds', () => {
    const line = CONTENT.concat(CONTENT, CONTENT).join(' ');
    const run = (seed: number) =>
      Array.from(
        { length: 5 },
        (
          (a) => () =>
            a.attackLine(line)
        )(new WordSwapAttack({ rate: 0.2, seed })),
      );
    expect(run(4)).toEqual(run(4));
    expect(run(4)).not.toEqual(run(5));
  });

  it('never swaps stop words, whatever their case, nor lines without words', () => {
    const attack = new WordSwapAttack({ rate: 1, seed: 0 });
    const stops = [...ENGLISH_STOP_WORDS].slice(0, 40);
    const line = stops.map((w, i) => (i % 2 ? w.toUpperCase() : w)).join(' ');
    expect(attack.attackLine(line)).toBe(line);
    expect(attack.attackLine(' , . @-@ ')).toBe(' , . @-@ ');
    expect(attack.attackLine('')).toBe('');
  });

  it('rejects a bad rate or token with a DatasetError', () => {
    expect(() => new WordSwapAttack({ rate: 1.5 })).toThrow(DatasetError);
    expect(() => new WordSwapAttack({ token: 'A B' })).toThrow(DatasetError);
  });

  it('attacked splits map each swap to <unk>, even where the corpus has "AAA"', async () => {
    const dir = join(root, 'corpus');
    mkdirSync(dir);
    writeFileSync(join(dir, 'train.txt'), 'the AAA river flows\nan army marched\n');
    writeFileSync(join(dir, 'valid.txt'), 'the river\n\nthe army of the nation\n');
    writeFileSync(join(dir, 'test.txt'), 'of the\nriver army\n');
    const corpus = await loadWikiText(dir, { cacheDir: null });
    const unk = corpus.vocab.unkId;
    const count = (ids: Int32Array) => ids.reduce((s, id) => s + (id === unk ? 1 : 0), 0);
    const valid = await tokenizeAttackedSplit(corpus, 'valid', { seed: 2 });
    // Lines: "the river" (1 word to swap: river), "" (none), "the army of the nation" (1 of army/nation).
    expect(valid.ids.length).toBe(corpus.splits.valid.ids.length);
    expect(count(valid.ids) - count(corpus.splits.valid.ids)).toBe(2);
    expect(valid.ids[1]).toBe(unk);
    const test = await tokenizeAttackedSplit(corpus, 'test', { seed: 2 });
    expect(count(test.ids)).toBe(1); // "of the": stop words only; "river army": one swap
    expect(test.ids[0]).toBe(corpus.vocab.id('of'));
  });
});
