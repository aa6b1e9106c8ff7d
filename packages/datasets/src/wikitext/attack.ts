/**
 * The word-swap attack applied to a WikiText split read from disk (the attack itself is in word-swap.ts).
 * @module
 */
import type { WikiTextCorpus } from './corpus.js';
import type { WikiTextSplit } from './files.js';
import { tokenizeFile, type TokenizedText } from './tokenizer.js';
import { WordSwapAttack, type WordSwapOptions } from './word-swap.js';

export { WordSwapAttack, wordsToSwap, type WordSwapOptions } from './word-swap.js';

/**
 * Re-reads one split of `corpus` with the attack applied to each line, tokenised with the corpus
 * vocabulary frozen: the swap token maps to `<unk>` even where the corpus has the word (SOTU's train has
 * "AAA" once), as the lab's code treats it as out of vocabulary; any other unseen word maps to `<unk>` too.
 * @example
 * ```ts
 * const attacked = await tokenizeAttackedSplit(corpus, 'test', { rate: 0.015, seed: 0 });
 * ```
 */
export async function tokenizeAttackedSplit(
  corpus: WikiTextCorpus,
  split: WikiTextSplit,
  options: WordSwapOptions = {},
): Promise<TokenizedText> {
  const attack = new WordSwapAttack(options);
  return tokenizeFile(corpus.source.files[split], corpus.vocab, {
    frozen: true,
    transformLine: attack.attackLine,
    unknownWord: attack.token,
  });
}
