/**
 * V-MoE's classification loss.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { assertShape } from '@momentum-smoe/core';

/**
 * Sigmoid (binary) cross-entropy against one-hot labels, summed over classes and averaged over images, as V-MoE's
 * `sigmoid_xent` (`optax.sigmoid_binary_cross_entropy`). Computed stably as `softplus(z) − y·z`.
 * @param logits `[B, classes]`
 * @param labels `[B]` int32 class ids
 * @example
 * ```ts
 * sigmoidCrossEntropy(tf.zeros([2, 10]), tf.tensor1d([3, 7], 'int32')); // 10·log 2
 * ```
 */
export function sigmoidCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  assertShape(labels, [logits.shape[0]], 'sigmoidCrossEntropy labels (one class id per image)');
  return tf.tidy(() => {
    const onehot = tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1]); // [B, classes]
    const perClass = tf.sub(tf.softplus(logits), tf.mul(onehot, logits));
    return tf.mean(tf.sum(perClass, 1));
  });
}
