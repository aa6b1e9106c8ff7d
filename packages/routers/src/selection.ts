/**
 * Routing decisions on a host copy of the scores, and differentiable picks by one-hot products. tfjs has no gradient
 * for `topk` or comparisons, so the choice is made outside the tape and only the picked values carry gradients.
 * @module
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Per-row top-k of a row-major `[rows, cols]` array: column ids by descending value, ties to the lower id (as
 * `tf.topk`). Returns `[rows, k]` row-major. NaN never wins.
 */
export function topKRows(values: ArrayLike<number>, rows: number, cols: number, k: number): Int32Array {
  const out = new Int32Array(rows * k);
  const taken = new Uint8Array(cols);
  for (let r = 0; r < rows; r++) {
    taken.fill(0);
    const base = r * cols;
    for (let j = 0; j < k; j++) {
      let best = -1;
      let bestValue = -Infinity;
      for (let c = 0; c < cols; c++) {
        const v = values[base + c]!;
        if (taken[c] === 0 && (best < 0 || v > bestValue)) {
          if (best < 0 || !Number.isNaN(v)) {
            best = c;
            bestValue = Number.isNaN(v) ? -Infinity : v;
          }
        }
      }
      taken[best] = 1;
      out[r * k + j] = best;
    }
  }
  return out;
}

/** One-hot of slot choices: `indices: [T, k]` row-major → `[T, k, E]` float32 (a constant: no tape link). */
export function slotOneHot(indices: Int32Array, tokens: number, k: number, experts: number): tf.Tensor3D {
  const data = new Float32Array(tokens * k * experts);
  for (let s = 0; s < tokens * k; s++) data[s * experts + indices[s]!] = 1;
  return tf.tensor3d(data, [tokens, k, experts]);
}

/** `m[t, idx[t, j]]` as `[T, k]`, differentiable in `m: [T, E]`, from `oneHot: [T, k, E]` ({@link slotOneHot}). */
export function pickSlots(m: tf.Tensor2D, oneHot: tf.Tensor3D): tf.Tensor2D {
  return tf.sum(tf.mul(tf.expandDims(m, 1), oneHot), 2);
}
