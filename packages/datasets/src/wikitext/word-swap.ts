/**
 * The word-swap attack of the robust-perplexity evaluation (TextAttack `Augmenter` with the lab's
 * `AAAWordSwap` and `StopwordModification`): in each line, a seeded choice of non-stop-words is replaced
 * by a swap token ("AAA", out of vocabulary, hence `<unk>`), before tokenisation.
 *
 * Count per line, as TextAttack computes it: `max(floor(rate * words), 1)` for a line with words, where
 * `words` counts tokens holding a letter or digit (TextAttack's words exclude punctuation). A line with
 * fewer candidates swaps them all; stop words (compared in lower case), `<unk>` and the swap token itself
 * are never candidates. So short lines get one swap each and the effective rate exceeds `rate`, as in
 * TextAttack. The choice is uniform without replacement from one seeded stream read line by line.
 * No file I/O here, so the attack also runs in a browser; `tokenizeAttackedSplit` applies it to a split.
 * @module
 */
import { DatasetError } from '../errors.js';
import { SeededRandom } from './random.js';
import { ENGLISH_STOP_WORDS } from './stopwords.js';
import { UNK } from './vocabulary.js';

/** Options of {@link WordSwapAttack}. */
export interface WordSwapOptions {
  /** TextAttack's `pct_words_to_swap`, in [0, 1]. Default 0.015. */
  rate?: number;
  /** The replacement word. Default `"AAA"`. */
  token?: string;
  /** Seed of the choice of words. Default 0. */
  seed?: number;
  /** Words never swapped (lower case). Default {@link ENGLISH_STOP_WORDS}. */
  stopWords?: ReadonlySet<string>;
}

/** Python's `str.split()` whitespace, as the tokeniser uses it. */
// eslint-disable-next-line no-control-regex -- \x1c-\x1f (file/group/record/unit separators) are whitespace to Python
const WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
const HAS_WORD_CHAR = /[\p{L}\p{N}]/u;

/**
 * Number of words TextAttack swaps in a line of `words` words: `max(floor(rate * words), 1)`, or 0 for a
 * line without words.
 */
export function wordsToSwap(rate: number, words: number): number {
  return words === 0 ? 0 : Math.max(Math.floor(rate * words), 1);
}

/**
 * A seeded word-swap attack, applied line by line.
 * @example
 * ```ts
 * const attack = new WordSwapAttack({ seed: 1 });
 * attack.attackLine('The committee approved the budget .'); // e.g. 'The AAA approved the budget .'
 * ```
 */
export class WordSwapAttack {
  /** Fraction of words to swap per line (TextAttack's `pct_words_to_swap`). */
  readonly rate: number;
  /** The replacement word. */
  readonly token: string;
  private readonly stopWords: ReadonlySet<string>;
  private readonly rng: SeededRandom;

  /** Throws a {@link DatasetError} for a rate outside [0, 1] or a token that is not one word. */
  constructor(options: WordSwapOptions = {}) {
    this.rate = options.rate ?? 0.015;
    this.token = options.token ?? 'AAA';
    if (!(this.rate >= 0 && this.rate <= 1))
      throw new DatasetError(`word-swap rate must be in [0, 1], got ${this.rate}`);
    if (this.token.length === 0 || WHITESPACE.test(this.token))
      throw new DatasetError(`word-swap token must be one non-empty word, got ${JSON.stringify(this.token)}`);
    this.stopWords = options.stopWords ?? ENGLISH_STOP_WORDS;
    this.rng = new SeededRandom(options.seed ?? 0);
  }

  /** The line with its chosen words swapped; a line without candidates comes back unchanged. */
  attackLine = (line: string): string => {
    const tokens = line.split(WHITESPACE).filter((t) => t.length > 0);
    let words = 0;
    const candidates: number[] = [];
    tokens.forEach((t, i) => {
      if (!HAS_WORD_CHAR.test(t)) return;
      words++;
      if (t !== this.token && t !== UNK && !this.stopWords.has(t.toLowerCase())) candidates.push(i);
    });
    const swaps = Math.min(wordsToSwap(this.rate, words), candidates.length);
    if (swaps === 0) return line;
    // Partial Fisher-Yates: the first `swaps` entries become a uniform sample without replacement.
    for (let k = 0; k < swaps; k++) {
      const j = k + this.rng.int(candidates.length - k);
      const chosen = candidates[j]!;
      candidates[j] = candidates[k]!;
      candidates[k] = chosen;
      tokens[chosen] = this.token;
    }
    return tokens.join(' ');
  };
}
