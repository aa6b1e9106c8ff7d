/**
 * The language-model data of a run: a WikiText-format folder (`--data DIR`) or the embedded SOTU corpus
 * (`--corpus sotu`), tokenised with the official rules, optionally with a capped vocabulary, plus the word-swap
 * attacked valid and test splits.
 * @module
 */
import { join } from 'node:path';
import {
  loadWikiText,
  tokenizeAttackedSplit,
  writeSotuCorpus,
  type WikiTextCorpus,
  type WikiTextSplit,
} from '@momentum-smoe/datasets';
import { applyVocabCap, capVocabulary, cappedWords } from './vocab-cap.js';

/** Token ids per split, clean and attacked, with the vocabulary size they index. */
export interface LmData {
  /** Where the text came from. */
  source: string;
  vocab: number;
  /** The words by id (after the cap): what `vocab.txt` beside a run's weights holds, one per line. */
  words: string[];
  /** Id of `<unk>` (where capped-away words and the word-swap token go). */
  unkId: number;
  clean: Record<WikiTextSplit, Int32Array>;
  /** Valid and test with the word-swap attack applied (present when an attack rate was given). */
  attacked?: Record<'valid' | 'test', Int32Array>;
}

/** Options of {@link loadLmData}. */
export interface LmDataOptions {
  /** A WikiText-format folder; without it the embedded SOTU corpus is used. */
  dir?: string;
  /** Where the SOTU corpus and token caches go. */
  cacheDir: string;
  /** Cap the vocabulary to this many ids (most frequent in train, rest `<unk>`); default no cap. */
  maxVocab?: number;
  /** Word-swap rate for the attacked splits (e.g. 0.015); default none. */
  attackRate?: number;
  /** Seed of the attack. */
  attackSeed?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Loads clean (and attacked) ids for a run. */
export async function loadLmData(options: LmDataOptions): Promise<LmData> {
  const dir = options.dir ?? (await writeSotuCorpus(join(options.cacheDir, 'sotu'))).dir;
  const corpus: WikiTextCorpus = await loadWikiText(dir, {
    cacheDir: options.dir ? options.cacheDir : undefined,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    onWarning: (m) => console.warn(`warning: ${m}`),
  });
  const cap = capVocabulary(
    corpus.splits.train.ids,
    corpus.vocab.size,
    corpus.vocab.unkId,
    options.maxVocab ?? Infinity,
  );
  const remap = (ids: Int32Array) => (cap.size === corpus.vocab.size ? ids : applyVocabCap(ids, cap));
  const words = cappedWords(corpus.vocab.words, cap);
  const clean = {
    train: remap(corpus.splits.train.ids),
    valid: remap(corpus.splits.valid.ids),
    test: remap(corpus.splits.test.ids),
  };
  if (options.attackRate === undefined) return { source: dir, vocab: cap.size, words, unkId: cap.unkId, clean };
  const attack = { rate: options.attackRate, seed: options.attackSeed ?? 0 };
  const attacked = {
    valid: remap((await tokenizeAttackedSplit(corpus, 'valid', attack)).ids),
    test: remap((await tokenizeAttackedSplit(corpus, 'test', attack)).ids),
  };
  return { source: dir, vocab: cap.size, words, unkId: cap.unkId, clean, attacked };
}

/**
 * Why `tokens` cannot feed `streams` parallel streams of `blockSize`-token blocks, or `undefined` when they can:
 * training needs two blocks per stream (a block and its targets, with room to restart at a random offset),
 * evaluation one block plus its target. Checked before a run touches its folder.
 */
export function streamProblem(
  what: string,
  tokens: number,
  streams: number,
  blockSize: number,
  use: 'train' | 'eval',
): string | undefined {
  const need = streams * (use === 'train' ? 2 * blockSize : blockSize + 1);
  if (tokens >= need) return undefined;
  const count = (n: number) => n.toLocaleString('en-US');
  const blocks = `${streams} streams of ${blockSize}-token blocks`;
  return `${what} has ${count(tokens)} tokens, too few for ${blocks} (needs at least ${count(need)})`;
}
