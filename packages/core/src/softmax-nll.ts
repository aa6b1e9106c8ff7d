/**
 * The next-token negative log-likelihood over a vocabulary and its gradient, as two plain (non-differentiable) ops
 * for a custom gradient: on wasm each is one SIMD kernel (see wasm/softmax-nll.ts), elsewhere tfjs ops, which are
 * also the reference the kernels are tested against.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { SOFTMAX_NLL, SOFTMAX_NLL_GRAD, softmaxNllKernelsUsable } from './wasm/softmax-nll.js';

/** What {@link softmaxNll} returns. */
export interface SoftmaxNll {
  /** Per row, `lse(z_r) − z_r[t_r]`: the NLL of its target, in nats: `[N]`. */
  nll: tf.Tensor1D;
  /** Per row, `log Σ_j e^(z_r[j])`: `[N]`, what {@link softmaxNllGrad} needs. */
  lse: tf.Tensor1D;
}

/**
 * Per-row NLL of `targets` under `softmax(logits)`. logits: `[N, V]` float32, targets: `[N]` int32 in `[0, V)` (not
 * checked: that would need a host sync).
 * @example
 * ```ts
 * const { nll, lse } = softmaxNll(logits, targets); // mean(nll) is the cross-entropy loss
 * ```
 */
export function softmaxNll(logits: tf.Tensor2D, targets: tf.Tensor1D): SoftmaxNll {
  if (softmaxNllKernelsUsable() && logits.dtype === 'float32' && targets.dtype === 'int32') {
    const [nll, lse] = tf.engine().runKernel(SOFTMAX_NLL, { logits, targets }) as tf.Tensor1D[];
    return { nll: nll!, lse: lse! };
  }
  return softmaxNllOps(logits, targets);
}

/** {@link softmaxNll} as tfjs ops (every backend; the reference of the wasm kernel). */
export function softmaxNllOps(logits: tf.Tensor2D, targets: tf.Tensor1D): SoftmaxNll {
  return tf.tidy(() => {
    const [n, v] = logits.shape;
    const rowMax = tf.max(logits, 1, true); // [N, 1]
    const lse = tf.reshape(tf.add(tf.log(tf.sum(tf.exp(tf.sub(logits, rowMax)), 1, true)), rowMax), [n]) as tf.Tensor1D;
    const flat = tf.add(tf.range(0, n * v, v, 'int32'), tf.cast(targets, 'int32')); // [N] positions in the flat logits
    return { nll: tf.sub(lse, tf.gather(tf.reshape(logits, [-1]), flat)) as tf.Tensor1D, lse };
  });
}

/**
 * Gradient of `Σ_r dy[r]·nll[r]` with respect to the logits: `dy[r]·(softmax(z_r) − onehot(t_r))`, `[N, V]`, given
 * `lse` from {@link softmaxNll}. dy: `[N]` (for a mean loss, every entry is the upstream gradient over N).
 * @example
 * ```ts
 * const dLogits = softmaxNllGrad(logits, lse, targets, tf.fill([n], 1 / n)); // gradient of mean(nll)
 * ```
 */
export function softmaxNllGrad(
  logits: tf.Tensor2D,
  lse: tf.Tensor1D,
  targets: tf.Tensor1D,
  dy: tf.Tensor1D,
): tf.Tensor2D {
  if (softmaxNllKernelsUsable() && logits.dtype === 'float32' && targets.dtype === 'int32') {
    return tf.engine().runKernel(SOFTMAX_NLL_GRAD, { logits, lse, targets, dy }) as tf.Tensor2D;
  }
  return softmaxNllGradOps(logits, lse, targets, dy);
}

/** {@link softmaxNllGrad} as tfjs ops (every backend; the reference of the wasm kernel). */
export function softmaxNllGradOps(
  logits: tf.Tensor2D,
  lse: tf.Tensor1D,
  targets: tf.Tensor1D,
  dy: tf.Tensor1D,
): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, v] = logits.shape;
    const column = (t: tf.Tensor1D) => tf.reshape(t, [n, 1]);
    const probs = tf.exp(tf.sub(logits, column(lse)));
    // float32 one-hot asked for directly on webgpu (its int32 OneHot does not compile there, tfjs 4.22), int32 then a
    // cast elsewhere (wasm's OneHot writes int32 bits when asked for float32).
    const ids = tf.cast(targets, 'int32');
    const target =
      tf.getBackend() === 'webgpu' ? tf.oneHot(ids, v, 1, 0, 'float32') : tf.cast(tf.oneHot(ids, v), 'float32');
    return tf.mul(tf.sub(probs, target), column(dy)) as tf.Tensor2D;
  });
}
