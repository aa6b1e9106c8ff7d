/**
 * Top-1 / top-5 accuracy from logits on the host.
 * @module
 */

/** Running counts of correct predictions. */
export interface TopKCounts {
  /** Images seen. */
  count: number;
  /** Images whose label is the highest logit. */
  top1: number;
  /** Images whose label is among the five highest logits. */
  top5: number;
}

/**
 * The rank of `labels[b]` in row `b` of `logits: [B, C]`: the number of classes scoring higher, plus those scoring the
 * same with a smaller index (ties go to the first class, as `argmax` does). Rank 0 is a top-1 hit; rank < 5 top-5.
 */
export function labelRanks(logits: Float32Array, labels: Int32Array, classes: number): Int32Array {
  if (logits.length !== labels.length * classes) {
    throw new Error(
      `labelRanks: logits of length ${logits.length} are not [${labels.length}, ${classes}] ` +
        `for ${labels.length} labels`,
    );
  }
  const ranks = new Int32Array(labels.length);
  for (let b = 0; b < labels.length; b++) {
    const y = labels[b]!;
    if (!(y >= 0 && y < classes))
      throw new Error(`labelRanks: label ${y} of image ${b} is not a class in [0, ${classes})`);
    const row = b * classes;
    const target = logits[row + y]!;
    let rank = 0;
    for (let c = 0; c < classes; c++) {
      const v = logits[row + c]!;
      if (v > target || (v === target && c < y)) rank++;
    }
    ranks[b] = rank;
  }
  return ranks;
}

/** Adds one batch to `counts` (mutated and returned); start from `{ count: 0, top1: 0, top5: 0 }`. */
export function addTopK(counts: TopKCounts, logits: Float32Array, labels: Int32Array, classes: number): TopKCounts {
  for (const r of labelRanks(logits, labels, classes)) {
    counts.count++;
    if (r < 1) counts.top1++;
    if (r < 5) counts.top5++;
  }
  return counts;
}

/** Accuracies as fractions in [0, 1] (0 for an empty split). */
export function accuracies(counts: TopKCounts): { top1: number; top5: number; count: number } {
  const n = Math.max(1, counts.count);
  return { top1: counts.top1 / n, top5: counts.top5 / n, count: counts.count };
}
