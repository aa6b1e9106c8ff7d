/**
 * The last step of token-choice dispatch: the gate-weighted sum of each token's k expert outputs.
 * @module
 */
import * as tf from '@tensorflow/tfjs';

/**
 * `y[t] = Σ_j weights[t, j] · outputs[t·k + j]`.
 * @param outputs `[T·k, dOut]` in assignment order.
 * @param weights `[T, k]`.
 * @returns `[T, dOut]`.
 */
export function combineAssignments(outputs: tf.Tensor2D, weights: tf.Tensor2D, t: number, k: number): tf.Tensor2D {
  return tf.tidy(() => {
    const d = outputs.shape[1];
    if (k === 1) return tf.mul(outputs, weights);
    return tf.sum(tf.mul(tf.reshape(outputs, [t, k, d]), tf.expandDims(weights, 2)), 1) as tf.Tensor2D;
  });
}
