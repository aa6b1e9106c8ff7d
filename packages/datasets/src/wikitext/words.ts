/**
 * Text ↔ ids for short texts held in memory (a prompt, a pasted paragraph, generated ids), with the official
 * WikiText rules: words split on Python's `str.split()` whitespace, `<eos>` at each line end. No file I/O, so it runs
 * in a browser; files go through `tokenizeFile`.
 * @module
 */
import { EOS, UNK, type Vocabulary } from './vocabulary.js';

/** Python's `str.split()` whitespace, as the file tokeniser uses it. */
// eslint-disable-next-line no-control-regex -- \x1c-\x1f (file/group/record/unit separators) are whitespace to Python
const WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/**
 * The words of `text` with `<eos>` after each line. A text that ends inside a line gets a final `<eos>` only
 * when `finalEos` is true (a file's last line does; a prompt to continue does not).
 * @example
 * ```ts
 * textToWords('the cat\nsat', { finalEos: false }); // ['the', 'cat', '<eos>', 'sat']
 * ```
 */
export function textToWords(text: string, options: { finalEos: boolean }): string[] {
  const lines = text.split(/\r\n|\n|\r/);
  const endsWithBreak = lines.length > 1 && lines.at(-1) === '';
  if (endsWithBreak) lines.pop();
  const words: string[] = [];
  lines.forEach((line, i) => {
    for (const w of line.split(WHITESPACE)) if (w.length > 0) words.push(w);
    if (i < lines.length - 1 || endsWithBreak || options.finalEos) words.push(EOS);
  });
  return words;
}

/**
 * Ids of `words` in a fixed vocabulary: unknown words, and `unknownWord` when given (the word-swap token), map to
 * `<unk>`. Throws when the vocabulary has no `<unk>` and a word is unknown.
 */
export function wordsToIds(words: readonly string[], vocab: Vocabulary, unknownWord?: string): Int32Array {
  const unk = vocab.lookup(UNK);
  return Int32Array.from(words, (w) => {
    const id = w === unknownWord ? undefined : vocab.lookup(w);
    if (id !== undefined) return id;
    if (unk === undefined) return vocab.id(w);
    return unk;
  });
}

/**
 * Text of `ids`: words joined by spaces, `<eos>` as a line break.
 * @example
 * ```ts
 * idsToText([0, 1, 2], new Vocabulary(['the', '<eos>', 'cat'])); // 'the\ncat'
 * ```
 */
export function idsToText(ids: ArrayLike<number>, vocab: Vocabulary): string {
  let out = '';
  for (let i = 0; i < ids.length; i++) {
    const w = vocab.word(ids[i]!);
    if (w === EOS) out += '\n';
    else out += out.length === 0 || out.endsWith('\n') ? w : ` ${w}`;
  }
  return out;
}
