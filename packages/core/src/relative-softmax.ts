/**
 * The softmax of a relative-position attention (Transformer-XL style, as in the official MomentumSMoE language
 * model), differentiable: on wasm one SIMD kernel forward and one backward (see wasm/relative-softmax.ts), elsewhere
 * tfjs ops, which are also the reference the kernels are tested against.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from './errors.js';
import { RELATIVE_SOFTMAX, RELATIVE_SOFTMAX_GRAD, relativeSoftmaxKernelsUsable } from './wasm/relative-softmax.js';

/** Options of {@link relativeSoftmax}. */
export interface RelativeSoftmaxOptions {
  /**
   * Return the probabilities placed back onto the `[cache ; block]` keys, `[N, M, L+M]` with zeros outside each
   * query's window (`skew` of the `[N, M, L]` result), ready to multiply the values: saves the pad, slices and
   * reshapes of a separate skew forward and backward. Default false.
   */
  skewed?: boolean;
}

/**
 * `softmax(scale · (unskew(qk) + pos))` over the last axis, where `unskew` gives query i (of a block of M) the L
 * scores `qk[i, i .. i+L−1]`: the L keys before it among `[cache ; block]`. qk: `[N, M, L+M]` (queries · keys),
 * pos: `[N, M, L]` (queries · relative position embeddings) → probabilities `[N, M, L]` (or `[N, M, L+M]` with
 * `skewed`). Gradients flow to both inputs.
 * @example
 * ```ts
 * const probs = relativeSoftmax(tf.matMul(q, k, false, true), position, 1 / Math.sqrt(dHead));
 * const onKeys = relativeSoftmax(qk, position, scale, { skewed: true }); // then tf.matMul(onKeys, v)
 * ```
 */
export function relativeSoftmax(
  qk: tf.Tensor3D,
  pos: tf.Tensor3D,
  scale: number,
  options: RelativeSoftmaxOptions = {},
): tf.Tensor3D {
  const [n, m, l] = pos.shape;
  const skewed = options.skewed ?? false;
  if (qk.shape[0] !== n || qk.shape[1] !== m || qk.shape[2] !== l + m)
    throw new ShapeError('relativeSoftmax qk', [n, m, l + m], qk.shape);
  if (!relativeSoftmaxKernelsUsable(m, l) || qk.dtype !== 'float32' || pos.dtype !== 'float32') {
    return skewed ? tf.tidy(() => skewOps(relativeSoftmaxOps(qk, pos, scale))) : relativeSoftmaxOps(qk, pos, scale);
  }
  const fused = tf.customGrad((...args) => {
    const [qkIn, posIn] = args as [tf.Tensor3D, tf.Tensor3D];
    const save = args[2] as tf.GradSaveFunc;
    const probs = tf.engine().runKernel(RELATIVE_SOFTMAX, { qk: qkIn, pos: posIn }, { scale, skewed }) as tf.Tensor3D;
    save([probs]);
    return {
      value: probs,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf
          .engine()
          .runKernel(RELATIVE_SOFTMAX_GRAD, { probs: saved[0]!, dprobs: dy }, { scale, skewed, l }) as tf.Tensor[],
    };
  });
  return fused(qk, pos) as tf.Tensor3D;
}

/**
 * `skew` as tfjs ops: weights over the L relative offsets of each query `[N, M, L]` → the same weights on the
 * `[cache ; block]` keys `[N, M, L+M]`, query i's at columns i .. i+L−1, zeros elsewhere (a pad, a slice, reshapes).
 */
export function skewOps(x: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const [n, m, l] = x.shape;
    const padded = tf.reshape(
      tf.pad(x, [
        [0, 0],
        [0, 0],
        [0, m + 1],
      ]),
      [n, m * (l + m + 1)],
    );
    return tf.reshape(tf.slice(padded, [0, 0], [n, m * (l + m)]), [n, m, l + m]);
  });
}

/** {@link relativeSoftmax} as tfjs ops (every backend and size; the reference of the wasm kernels). */
export function relativeSoftmaxOps(qk: tf.Tensor3D, pos: tf.Tensor3D, scale: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [n, m, lm] = qk.shape;
    const l = lm - m;
    // unskew: pad each block by M floats so that row i, read with stride L+M+1, starts at column i
    const flat = tf.pad(tf.reshape(qk, [n, m * lm]), [
      [0, 0],
      [0, m],
    ]);
    const content = tf.slice(tf.reshape(flat, [n, m, lm + 1]), [0, 0, 0], [n, m, l]);
    return tf.softmax(tf.mul(tf.add(content, pos), scale), -1) as tf.Tensor3D;
  });
}
