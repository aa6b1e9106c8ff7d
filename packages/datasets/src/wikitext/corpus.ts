/**
 * Loading a WikiText corpus: find the split files, tokenise them with the official rules, and keep the
 * result in a binary cache keyed by the files' content, so an unchanged corpus reloads without tokenising.
 * @module
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DatasetError } from '../errors.js';
import { contentKey } from './content-key.js';
import { CORPUS_CACHE_VERSION, readCorpusCache, writeCorpusCache, type CachedCorpus } from './corpus-cache.js';
import { findWikiTextFiles, WIKITEXT_SPLITS, type WikiTextFiles, type WikiTextSplit } from './files.js';
import { tokenizeFile, type TokenizedText } from './tokenizer.js';
import { UNK, Vocabulary } from './vocabulary.js';

/**
 * Which splits build the vocabulary. `'all'`: train, then valid, then test, as the official code does.
 * `'train'`: train only; words unseen in train map to `<unk>` in valid and test.
 */
export type VocabularyMode = 'all' | 'train';

/** Options of {@link loadWikiText}. */
export interface LoadWikiTextOptions {
  /** Default `'all'`. */
  vocabulary?: VocabularyMode;
  /** Folder of the binary cache; default the corpus folder itself; `null` turns caching off. */
  cacheDir?: string | null;
  /** Progress over the bytes of the three files: first while hashing them, then while tokenising (on a cache miss). */
  onProgress?: (bytesRead: number, totalBytes: number, phase: 'hash' | 'tokenize') => void;
  /** Receives warnings (a corrupt or unwritable cache). Default `console.warn`. */
  onWarning?: (message: string) => void;
}

/** A tokenised corpus: one vocabulary and the ids of each split. */
export interface WikiTextCorpus {
  /** Where the split files are. */
  source: WikiTextFiles;
  /** Words and ids, shared by the three splits. */
  vocab: Vocabulary;
  /** Ids (with one `<eos>` per line) and line counts per split. */
  splits: Record<WikiTextSplit, TokenizedText>;
  /** Which splits built the vocabulary. */
  vocabularyMode: VocabularyMode;
  /** Whether the ids came from the cache rather than from tokenising. */
  fromCache: boolean;
  /** The cache file used, or `null` when caching is off. */
  cacheFile: string | null;
}

/**
 * Loads and tokenises the corpus in `dir` (`wiki.{train,valid,test}.tokens` or `{train,valid,test}.txt`).
 * The vocabulary always holds `<unk>`: a corpus without it gets it appended as the last id, so attacked
 * or unseen words have somewhere to go (WikiText-103 has it already, so its ids are the official ones).
 * @example
 * ```ts
 * const corpus = await loadWikiText('data/wikitext-103');
 * corpus.vocab.size;           // about 267.7K for WikiText-103
 * corpus.splits.train.ids;     // Int32Array
 * ```
 */
export async function loadWikiText(dir: string, options: LoadWikiTextOptions = {}): Promise<WikiTextCorpus> {
  const source = findWikiTextFiles(dir);
  const mode = options.vocabulary ?? 'all';
  if (mode !== 'all' && mode !== 'train')
    throw new DatasetError(`vocabulary must be 'all' or 'train', got ${JSON.stringify(mode)}`, source.dir);
  const warn = options.onWarning ?? ((message: string) => console.warn(message));
  const paths = WIKITEXT_SPLITS.map((s) => source.files[s]);
  const total = (await Promise.all(paths.map((p) => stat(p)))).reduce((sum, s) => sum + s.size, 0);
  const progress = options.onProgress;

  const cacheDir = options.cacheDir === undefined ? source.dir : options.cacheDir;
  const cacheFile = cacheDir === null ? null : join(cacheDir, cacheName(source.dir, mode));
  let key: Buffer | null = null;
  if (cacheFile !== null) {
    key = await contentKey(
      `msmoe-wikitext v${CORPUS_CACHE_VERSION} vocabulary=${mode}`,
      paths,
      progress && ((b) => progress(b, total, 'hash')),
    );
    try {
      const cached = await readCorpusCache(cacheFile, key);
      if (typeof cached === 'object') return fromCached(source, mode, cached, cacheFile);
    } catch (error) {
      if (!(error instanceof DatasetError)) throw error;
      warn(`${error.message}; rebuilding it`);
    }
  }

  const vocab = new Vocabulary();
  const splits = {} as Record<WikiTextSplit, TokenizedText>;
  let before = 0;
  for (const split of WIKITEXT_SPLITS) {
    const frozen = mode === 'train' && split !== 'train';
    if (frozen) vocab.add(UNK);
    const onBytes = progress && ((b: number) => progress(before + b, total, 'tokenize'));
    splits[split] = await tokenizeFile(source.files[split], vocab, { frozen, ...(onBytes ? { onBytes } : {}) });
    before += (await stat(source.files[split])).size;
  }
  vocab.add(UNK);

  if (cacheFile !== null && key !== null) {
    try {
      await writeCorpusCache(cacheFile, key, vocab.words, splits);
    } catch (error) {
      warn(`could not write the corpus cache ${cacheFile} (${(error as Error).message}); continuing without it`);
    }
  }
  return { source, vocab, splits, vocabularyMode: mode, fromCache: false, cacheFile };
}

function fromCached(
  source: WikiTextFiles,
  mode: VocabularyMode,
  cached: CachedCorpus,
  cacheFile: string,
): WikiTextCorpus {
  return {
    source,
    vocab: new Vocabulary(cached.words),
    splits: cached.splits,
    vocabularyMode: mode,
    fromCache: true,
    cacheFile,
  };
}

/** One cache file per corpus folder and mode, so several corpora can share a cache folder. */
function cacheName(dir: string, mode: VocabularyMode): string {
  const tag = createHash('sha256').update(dir).digest('hex').slice(0, 12);
  return `msmoe-wikitext-${mode}-${tag}.cache`;
}
