/**
 * The next-token NLL over a vocabulary that keeps the softmax for its gradient, as two plain (non-differentiable) ops
 * for a custom gradient: the backward is then `dy·(probs − onehot)`, one multiply pass with no exponential, and
 * gives the bias gradient (the column sums) from the same pass. On wasm each is one SIMD kernel
 * (wasm/softmax-probs.ts), elsewhere tfjs ops, which are also the reference the kernels are tested against.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { softmaxNllOps } from './softmax-nll.js';
import { SOFTMAX_PROBS_NLL_GRAD, SOFTMAX_WITH_NLL, softmaxProbsKernelsUsable } from './wasm/softmax-probs.js';

/** What {@link softmaxWithNll} returns. */
export interface SoftmaxWithNll {
  /** Per row, `lse(z_r) − z_r[t_r]`, the NLL of its target in nats: `[N]`. */
  nll: tf.Tensor1D;
  /** `softmax(logits)` over the last axis: `[N, V]`, what {@link softmaxProbsNllGrad} needs. */
  probs: tf.Tensor2D;
}

/**
 * Per-row NLL of `targets` under `softmax(logits)`, and that softmax. logits: `[N, V]` float32, targets: `[N]` int32
 * in `[0, V)` (not checked: that would need a host sync).
 * @example
 * ```ts
 * const { nll, probs } = softmaxWithNll(logits, targets); // mean(nll) is the cross-entropy loss
 * ```
 */
export function softmaxWithNll(logits: tf.Tensor2D, targets: tf.Tensor1D): SoftmaxWithNll {
  if (softmaxProbsKernelsUsable() && logits.dtype === 'float32' && targets.dtype === 'int32') {
    const [nll, probs] = tf.engine().runKernel(SOFTMAX_WITH_NLL, { logits, targets }) as tf.Tensor[];
    return { nll: nll as tf.Tensor1D, probs: probs as tf.Tensor2D };
  }
  return softmaxWithNllOps(logits, targets);
}

/** {@link softmaxWithNll} as tfjs ops (every backend; the reference of the wasm kernel). */
export function softmaxWithNllOps(logits: tf.Tensor2D, targets: tf.Tensor1D): SoftmaxWithNll {
  return tf.tidy(() => ({ nll: softmaxNllOps(logits, targets).nll, probs: tf.softmax(logits) as tf.Tensor2D }));
}

/** What {@link softmaxProbsNllGrad} returns. */
export interface SoftmaxProbsNllGrad {
  /** `dy[r]·(probs_r − onehot(t_r))`: `[N, V]`, the gradient of `Σ_r dy[r]·nll[r]` with respect to the logits. */
  dLogits: tf.Tensor2D;
  /** Its column sums `[V]`: the gradient with respect to a bias added to every row of the logits. */
  columnSums: tf.Tensor1D;
}

/**
 * Gradient of `Σ_r dy[r]·nll[r]` with respect to the logits, from the softmax {@link softmaxWithNll} returned, and
 * its column sums. probs: `[N, V]`, targets: `[N]` int32, dy: `[N]` (for a mean loss, the upstream gradient over N).
 * @example
 * ```ts
 * const { dLogits, columnSums } = softmaxProbsNllGrad(probs, targets, tf.fill([n], 1 / n)); // of mean(nll)
 * ```
 */
export function softmaxProbsNllGrad(probs: tf.Tensor2D, targets: tf.Tensor1D, dy: tf.Tensor1D): SoftmaxProbsNllGrad {
  if (softmaxProbsKernelsUsable() && probs.dtype === 'float32' && targets.dtype === 'int32' && dy.dtype === 'float32') {
    const [dLogits, columnSums] = tf.engine().runKernel(SOFTMAX_PROBS_NLL_GRAD, { probs, targets, dy }) as tf.Tensor[];
    return { dLogits: dLogits as tf.Tensor2D, columnSums: columnSums as tf.Tensor1D };
  }
  return softmaxProbsNllGradOps(probs, targets, dy);
}

/** {@link softmaxProbsNllGrad} as tfjs ops (every backend; the reference of the wasm kernel). */
export function softmaxProbsNllGradOps(probs: tf.Tensor2D, targets: tf.Tensor1D, dy: tf.Tensor1D): SoftmaxProbsNllGrad {
  return tf.tidy(() => {
    const [n, v] = probs.shape;
    const onehot = tf.oneHot(tf.cast(targets, 'int32'), v);
    const dLogits = tf.mul(tf.sub(probs, onehot), tf.reshape(dy, [n, 1])) as tf.Tensor2D;
    return { dLogits, columnSums: tf.sum(dLogits, 0) as tf.Tensor1D };
  });
}
