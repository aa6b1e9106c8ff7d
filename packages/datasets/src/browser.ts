/**
 * `@momentum-smoe/datasets` for browsers (the `browser` export condition): what needs no file system, i.e. the
 * vocabulary, text ↔ ids for texts in memory, the word-swap attack, batchify and block iterators. The file loaders
 * (WikiText folders, ImageNet, the embedded corpora, caches) are in the Node entry only.
 * @packageDocumentation
 */
export { Vocabulary, EOS, UNK } from './wikitext/vocabulary.js';
export { textToWords, wordsToIds, idsToText } from './wikitext/words.js';
export { WordSwapAttack, wordsToSwap, type WordSwapOptions } from './wikitext/word-swap.js';
export { ENGLISH_STOP_WORDS } from './wikitext/stopwords.js';
export { SeededRandom, type SeededRandomState } from './wikitext/random.js';
export { batchify, type Batchified } from './wikitext/batchify.js';
export {
  TrainingBlocks,
  evaluationBlocks,
  evaluationBlockCount,
  type Block,
  type TrainingBlocksState,
} from './wikitext/blocks.js';
export { DatasetError } from './errors.js';
