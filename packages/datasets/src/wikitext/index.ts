/**
 * WikiText (word level): the official tokenisation, a content-keyed binary cache, batchify and block
 * iterators, and the word-swap attack.
 * @module
 */
export { findWikiTextFiles, WIKITEXT_SPLITS, type WikiTextFiles, type WikiTextSplit } from './files.js';
export { Vocabulary, EOS, UNK } from './vocabulary.js';
export { ByteIndex, fnv1a, FNV_OFFSET, FNV_PRIME } from './byte-index.js';
export { tokenizeFile, tokenizeText, type TokenizeOptions, type TokenizedText } from './tokenizer.js';
export { textToWords, wordsToIds, idsToText } from './words.js';
export { loadWikiText, type LoadWikiTextOptions, type VocabularyMode, type WikiTextCorpus } from './corpus.js';
export { CORPUS_CACHE_VERSION } from './corpus-cache.js';
export { wikitextStats, type WikiTextStats } from './stats.js';
export { batchify, type Batchified } from './batchify.js';
export {
  TrainingBlocks,
  evaluationBlocks,
  evaluationBlockCount,
  type Block,
  type TrainingBlocksState,
} from './blocks.js';
export { WordSwapAttack, wordsToSwap, tokenizeAttackedSplit, type WordSwapOptions } from './attack.js';
export { ENGLISH_STOP_WORDS } from './stopwords.js';
export { SeededRandom, type SeededRandomState } from './random.js';
export { DatasetError } from '../errors.js';
