/**
 * V-MoE's classification loss.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { assertShape } from '@momentum-smoe/core';
import { expertOneHot } from '@momentum-smoe/routers';

/**
 * Sigmoid (binary) cross-entropy, summed over classes and averaged over images, as V-MoE's `sigmoid_xent`
 * (`optax.sigmoid_binary_cross_entropy`). Computed stably as `softplus(z) − y·z`. The targets `y` are one-hot
 * labels, or soft targets (e.g. mixup's mixed one-hot rows) given as a float `[B, classes]` tensor.
 * @param logits `[B, classes]`
 * @param targets `[B]` int32 class ids, or `[B, classes]` float targets in [0, 1]
 * @example
 * ```ts
 * sigmoidCrossEntropy(tf.zeros([2, 10]), tf.tensor1d([3, 7], 'int32')); // 10·log 2
 * sigmoidCrossEntropy(logits, tf.tensor2d([[0.8, 0.2, 0]], [1, 3])); // mixup targets
 * ```
 */
export function sigmoidCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D | tf.Tensor2D): tf.Scalar {
  if (targets.rank === 2) assertShape(targets, logits.shape, 'sigmoidCrossEntropy targets ([images, classes])');
  else assertShape(targets, [logits.shape[0]], 'sigmoidCrossEntropy labels (one class id per image)');
  return tf.tidy(() => {
    // y: [B, classes]; labels through expertOneHot, a one-hot that is right on every backend (webgpu included)
    const classes = logits.shape[1];
    const labels = () => tf.reshape(tf.cast(targets, 'int32'), [-1, 1]) as tf.Tensor2D; // [B, 1]
    const y =
      targets.rank === 2 ? tf.cast(targets, 'float32') : tf.reshape(expertOneHot(labels(), classes), [-1, classes]);
    const perClass = tf.sub(tf.softplus(logits), tf.mul(y, logits));
    return tf.mean(tf.sum(perClass, 1));
  });
}
