/**
 * The output projection and the next-token NLL fused under one custom gradient: the [N, V] logits are the largest
 * tensors of a language-model step, and on wasm every tfjs elementwise pass over them is scalar code, so the head
 * makes as few passes as it can: the forward keeps the softmax (`softmaxWithNll` of @momentum-smoe/core), so the
 * backward computes no exponential and gets the bias gradient from the same pass (`softmaxProbsNllGrad`); one SIMD
 * kernel each on wasm (docs/performance.md).
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { assertShape, softmaxProbsNllGrad, softmaxWithNll } from '@momentum-smoe/core';

/**
 * Mean negative log-likelihood of `targets` under `softmax(h·W + b)`, in nats, computed as
 * `mean(logsumexp(z) − z[target])` without materialising log-probabilities. The gradient is the closed form
 * `∂/∂z = dy · (softmax(z) − onehot(target)) / N`, made in one pass from the saved softmax (with its column
 * sums, the bias gradient), then pushed through the projection by two matMuls.
 * Shapes: h: [N, H], weight: [H, V], bias: [V], targets: [N] int32 with values in [0, V) (not checked: that would
 * need a host sync) → scalar.
 * @example
 * ```ts
 * // equals the mean NLL of logSoftmax
 * const nll = projectedNll(hidden, model.out_emb.weight, model.out_emb.bias!, targets);
 * ```
 */
export function projectedNll(h: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D, targets: tf.Tensor1D): tf.Scalar {
  const [n, hidden] = h.shape;
  const v = weight.shape[1];
  assertShape(weight, [hidden, null], 'projectedNll weight (hidden × vocab)');
  assertShape(bias, [v], 'projectedNll bias (vocab)');
  assertShape(targets, [n], 'projectedNll targets (one per row of h)');
  return tf.tidy(() => {
    const ids = tf.cast(targets, 'int32') as tf.Tensor1D; // [N]
    const head = tf.customGrad((...args) => {
      const [hIn, wIn, bIn] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
      const save = args[3] as tf.GradSaveFunc;
      const logits = tf.fused.matMul({ a: hIn, b: wIn, bias: bIn }) as tf.Tensor2D; // [N, V]
      const { nll, probs } = softmaxWithNll(logits, ids); // [N], [N, V]
      const value = tf.mean(nll) as tf.Scalar;
      save([hIn, wIn, probs, ids]); // saved copies outlive this tidy, until the backward pass
      return {
        value,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [hS, wS, probsS, idsS] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
          const perRow = tf.broadcastTo(tf.div(dy, n), [n]) as tf.Tensor1D; // [N], the mean's dy/N
          const { dLogits, columnSums } = softmaxProbsNllGrad(probsS, idsS, perRow); // [N, V], [V]
          return [
            tf.matMul(dLogits, wS, false, true), // dh: [N, H]
            tf.matMul(hS, dLogits, true, false), // dW: [H, V]
            columnSums, // db: [V]
          ];
        },
      };
    });
    return head(h, weight, bias);
  });
}
