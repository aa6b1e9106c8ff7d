/**
 * The output projection and the next-token NLL fused under one custom gradient: the [N, V] logits are the largest
 * tensors of a language-model step, and on wasm every elementwise pass over them is scalar code, so the head makes
 * as few passes as it can (see ../shared/TOOLCHAIN.md).
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { assertShape } from '@momentum-smoe/core';

/**
 * Mean negative log-likelihood of `targets` under `softmax(h·W + b)`, in nats, computed as
 * `mean(logsumexp(z) − z[target])` without materialising log-probabilities. The gradient is the closed form
 * `∂/∂z = dy · (softmax(z) − onehot(target)) / N`, pushed through the projection by two matMuls (and a third for the
 * bias), so a training step makes three elementwise passes over [N, V] forward and two backward, instead of the
 * dozen of `logSoftmax` plus a one-hot product and their autodiff.
 * Shapes: h: [N, H], weight: [H, V], bias: [V], targets: [N] int32 with values in [0, V) (not checked: that would
 * need a host sync) → scalar.
 * @example
 * ```ts
 * const nll = projectedNll(hidden, model.out_emb.weight, model.out_emb.bias!, targets); // equals the mean NLL of logSoftmax
 * ```
 */
export function projectedNll(h: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D, targets: tf.Tensor1D): tf.Scalar {
  const [n, hidden] = h.shape;
  const v = weight.shape[1];
  assertShape(weight, [hidden, null], 'projectedNll weight (hidden × vocab)');
  assertShape(bias, [v], 'projectedNll bias (vocab)');
  assertShape(targets, [n], 'projectedNll targets (one per row of h)');
  return tf.tidy(() => {
    // Flat positions of the targets in the row-major [N·V] logits: a 1-D gather, never batchDims.
    const flatTargets = tf.add(tf.range(0, n * v, v, 'int32'), tf.cast(targets, 'int32')) as tf.Tensor1D; // [N]
    const head = tf.customGrad((...args) => {
      const [hIn, wIn, bIn] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
      const save = args[3] as tf.GradSaveFunc;
      const logits = tf.fused.matMul({ a: hIn, b: wIn, bias: bIn }); // [N, V]
      const rowMax = tf.max(logits, 1, true); // [N, 1]
      const numer = tf.exp(tf.sub(logits, rowMax)); // [N, V], softmax numerators
      const denom = tf.sum(numer, 1, true); // [N, 1]
      const picked = tf.gather(tf.reshape(logits, [-1]), flatTargets); // [N]
      const lse = tf.add(tf.log(denom), rowMax); // [N, 1]
      const value = tf.mean(tf.sub(tf.reshape(lse, [n]), picked)) as tf.Scalar;
      save([hIn, wIn, numer, denom, flatTargets]); // saved copies outlive this tidy, until the backward pass
      return {
        value,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [hS, wS, numerS, denomS, targetsS] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
          const probs = tf.reshape(tf.mul(numerS, tf.div(dy, tf.mul(denomS, n))), [-1]); // [N·V], dy·softmax/N
          const atTargets = tf.sub(tf.gather(probs, targetsS), tf.div(dy, n)); // [N]
          const dLogits = tf.reshape(tf.tensorScatterUpdate(probs, tf.reshape(targetsS, [n, 1]), atTargets), [n, v]); // [N, V]
          return [
            tf.matMul(dLogits, wS, false, true), // dh: [N, H]
            tf.matMul(hS, dLogits, true, false), // dW: [H, V]
            tf.reshape(tf.matMul(tf.ones([1, n]), dLogits), [v]), // db: [V], column sums as a matMul (fast on wasm)
          ];
        },
      };
    });
    return head(h, weight, bias);
  });
}
