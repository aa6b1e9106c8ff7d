/**
 * Turning one State of the Union address (one long paragraph of plain English) into WikiText-style lines:
 * punctuation split off words ("nation," becomes "nation ,"), one sentence per line.
 * @module
 */

// A word: letters and digits, with inner apostrophes, hyphens, periods or commas ("don't", "3,000", "U.S").
const TOKEN = /[\p{L}\p{N}]+(?:['’\-.,‑][\p{L}\p{N}]+)*|[^\s\p{L}\p{N}]/gu;
const SENTENCE_END = new Set(['.', '?', '!']);
const CLOSERS = new Set(['"', '”', "'", '’', ')']);
// Control characters that are not whitespace (the corpus has a stray \u0002) become spaces.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000e-\u001f\u007f]/g;

/**
 * Splits `text` into sentences of space-separated tokens.
 * @example
 * ```ts
 * addressToLines('We met, and agreed. "Good."'); // ['We met , and agreed .', '" Good . "']
 * ```
 */
export function addressToLines(text: string): string[] {
  const tokens = text.replace(CONTROL, ' ').match(TOKEN) ?? [];
  const lines: string[] = [];
  let line: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    line.push(tokens[i]!);
    if (!SENTENCE_END.has(tokens[i]!)) continue;
    while (i + 1 < tokens.length && CLOSERS.has(tokens[i + 1]!)) line.push(tokens[++i]!);
    lines.push(line.join(' '));
    line = [];
  }
  if (line.length > 0) lines.push(line.join(' '));
  return lines;
}
