/**
 * The summary behind `msmoe data wikitext --dir DIR --json`.
 * @module
 */
import { WIKITEXT_SPLITS, type WikiTextSplit } from './files.js';
import { loadWikiText, type LoadWikiTextOptions } from './corpus.js';

/** Vocabulary size and per-split line and token counts (tokens include the `<eos>` ids). */
export interface WikiTextStats {
  /** Vocabulary size. */
  vocab: number;
  /** Per split: lines, and tokens counting one `<eos>` per line. */
  splits: Record<WikiTextSplit, { lines: number; tokens: number }>;
}

/**
 * Loads (or reloads from cache) the corpus in `dir` and counts it. Pass `onProgress` to draw a progress bar.
 * @example
 * ```ts
 * const stats = await wikitextStats('data/wikitext-103', { onProgress: (done, total) => bar.update(done / total) });
 * console.log(JSON.stringify(stats)); // {"vocab":267735,"splits":{"train":{"lines":...,"tokens":...},...}}
 * ```
 */
export async function wikitextStats(dir: string, options: LoadWikiTextOptions = {}): Promise<WikiTextStats> {
  const corpus = await loadWikiText(dir, options);
  const splits = {} as WikiTextStats['splits'];
  for (const split of WIKITEXT_SPLITS)
    splits[split] = { lines: corpus.splits[split].lines, tokens: corpus.splits[split].ids.length };
  return { vocab: corpus.vocab.size, splits };
}
