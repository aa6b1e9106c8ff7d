/**
 * Masked reductions over tokens, so padding never counts.
 * @module
 */
import * as tf from '@tensorflow/tfjs';

/** `[T]` float mask, all ones when absent. */
export function tokenWeights(tokens: number, mask?: tf.Tensor1D): tf.Tensor1D {
  return mask === undefined ? tf.ones([tokens]) : tf.cast(mask, 'float32');
}

/** Σ over real tokens of `v: [T, ...]` along axis 0. */
export function maskedSum(v: tf.Tensor, mask?: tf.Tensor1D): tf.Tensor {
  if (mask === undefined) return tf.sum(v, 0);
  const m = tf.cast(mask, 'float32').reshape([v.shape[0], ...v.shape.slice(1).map(() => 1)]);
  return tf.sum(tf.mul(v, m), 0);
}

/** Number of real tokens, as a scalar (at least 1, so an all-padding batch gives 0 losses, not NaN). */
export function realCount(tokens: number, mask?: tf.Tensor1D): tf.Scalar {
  return mask === undefined ? tf.scalar(tokens) : tf.maximum(tf.sum(tf.cast(mask, 'float32')), 1);
}

/** Mean over real tokens of `v: [T, ...]` along axis 0. */
export function maskedMean(v: tf.Tensor, mask?: tf.Tensor1D): tf.Tensor {
  return tf.div(maskedSum(v, mask), realCount(v.shape[0], mask));
}
