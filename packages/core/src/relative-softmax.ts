/**
 * The softmax of a relative-position attention (Transformer-XL style, as in the official MomentumSMoE language
 * model), differentiable: on wasm one SIMD kernel forward and one backward (see wasm/relative-softmax.ts), elsewhere
 * tfjs ops, which are also the reference the kernels are tested against.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from './errors.js';
import { RELATIVE_SOFTMAX, RELATIVE_SOFTMAX_GRAD, relativeSoftmaxKernelsUsable } from './wasm/relative-softmax.js';

/**
 * `softmax(scale · (unskew(qk) + pos))` over the last axis, where `unskew` gives query i (of a block of M) the L
 * scores `qk[i, i .. i+L−1]`: the L keys before it among `[cache ; block]`. qk: `[N, M, L+M]` (queries · keys),
 * pos: `[N, M, L]` (queries · relative position embeddings) → probabilities `[N, M, L]`. Gradients flow to both.
 * @example
 * ```ts
 * const probs = relativeSoftmax(tf.matMul(q, k, false, true), position, 1 / Math.sqrt(dHead));
 * ```
 */
export function relativeSoftmax(qk: tf.Tensor3D, pos: tf.Tensor3D, scale: number): tf.Tensor3D {
  const [n, m, l] = pos.shape;
  if (qk.shape[0] !== n || qk.shape[1] !== m || qk.shape[2] !== l + m)
    throw new ShapeError('relativeSoftmax qk', [n, m, l + m], qk.shape);
  if (!relativeSoftmaxKernelsUsable(m, l) || qk.dtype !== 'float32' || pos.dtype !== 'float32') {
    return relativeSoftmaxOps(qk, pos, scale);
  }
  const fused = tf.customGrad((...args) => {
    const [qkIn, posIn] = args as [tf.Tensor3D, tf.Tensor3D];
    const save = args[2] as tf.GradSaveFunc;
    const probs = tf.engine().runKernel(RELATIVE_SOFTMAX, { qk: qkIn, pos: posIn }, { scale }) as tf.Tensor3D;
    save([probs]);
    return {
      value: probs,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.engine().runKernel(RELATIVE_SOFTMAX_GRAD, { probs: saved[0]!, dprobs: dy }, { scale }) as tf.Tensor[],
    };
  });
  return fused(qk, pos) as tf.Tensor3D;
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
