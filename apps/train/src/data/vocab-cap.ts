/**
 * Caps a corpus's vocabulary to its most frequent training words, the rest mapping to `<unk>`. The CPU-sized runs use
 * it: the output softmax costs O(V), and SOTU's long tail of rare words would dominate a small model's step time.
 * @module
 */

/** The id remapping that keeps the `maxSize − 1` most frequent training ids plus `<unk>`. */
export interface VocabCap {
  /** New vocabulary size (≤ maxSize). */
  size: number;
  /** `[oldV]` new id of each old id. */
  map: Int32Array;
  /** New id of `<unk>`. */
  unkId: number;
}

/**
 * Builds the cap from training ids. Ties in frequency keep the lower (first-seen) id, so the result is deterministic.
 * @example
 * ```ts
 * const cap = capVocabulary(train, corpus.vocab.size, corpus.vocab.unkId, 8192);
 * const small = applyVocabCap(train, cap);
 * ```
 */
export function capVocabulary(train: Int32Array, vocabSize: number, unkId: number, maxSize: number): VocabCap {
  if (maxSize >= vocabSize) return { size: vocabSize, map: Int32Array.from({ length: vocabSize }, (_, i) => i), unkId };
  const counts = new Float64Array(vocabSize);
  for (const id of train) counts[id]!++;
  const order = Array.from({ length: vocabSize }, (_, i) => i)
    .filter((i) => i !== unkId)
    .sort((a, b) => counts[b]! - counts[a]! || a - b);
  const kept = order.slice(0, maxSize - 1).sort((a, b) => a - b);
  const map = new Int32Array(vocabSize).fill(kept.length);
  kept.forEach((old, i) => (map[old] = i));
  return { size: kept.length + 1, map, unkId: kept.length };
}

/** Maps ids through a {@link VocabCap}. */
export function applyVocabCap(ids: Int32Array, cap: VocabCap): Int32Array {
  const out = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) out[i] = cap.map[ids[i]!]!;
  return out;
}

/** The words of the capped vocabulary by new id (`words`: the full vocabulary by old id). */
export function cappedWords(words: readonly string[], cap: VocabCap): string[] {
  if (cap.size === words.length) return [...words];
  const out = new Array<string>(cap.size).fill('<unk>');
  words.forEach((w, old) => {
    if (cap.map[old] !== cap.unkId) out[cap.map[old]!] = w;
  });
  return out;
}
