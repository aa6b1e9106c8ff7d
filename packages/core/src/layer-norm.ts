/**
 * Layer normalisation over the last axis, differentiable: on wasm one SIMD kernel forward and one backward (see
 * wasm/layer-norm.ts), elsewhere tfjs ops, which are also the reference the kernels are tested against.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from './errors.js';
import { LAYER_NORM, LAYER_NORM_GRAD, layerNormKernelsUsable } from './wasm/layer-norm.js';

/**
 * `(x − mean) / √(var + eps) · gamma + beta` over the last axis (biased variance, PyTorch's `nn.LayerNorm`).
 * x: `[..., D]`, gamma and beta: `[D]` → `[..., D]`. Gradients flow to all three.
 * @example
 * ```ts
 * const y = layerNorm(x, weight, bias, 1e-5); // x: [B, M, 64], weight, bias: [64]
 * ```
 */
export function layerNorm<T extends tf.Tensor>(x: T, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): T {
  const d = x.shape.at(-1)!;
  for (const [name, t] of [
    ['gamma', gamma],
    ['beta', beta],
  ] as const) {
    if (t.shape.length !== 1 || t.shape[0] !== d)
      throw new ShapeError(`layerNorm ${name} (the last axis of x)`, [d], t.shape);
  }
  if (!layerNormKernelsUsable(d) || x.dtype !== 'float32') return layerNormOps(x, gamma, beta, eps);
  const fused = tf.customGrad((...args) => {
    const [xIn, gIn, bIn] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
    const save = args[3] as tf.GradSaveFunc;
    const x2 = tf.reshape(xIn, [-1, d]); // [R, D]
    const [y, stats] = tf.engine().runKernel(LAYER_NORM, { x: x2, gamma: gIn, beta: bIn }, { eps }) as tf.Tensor[];
    save([x2, gIn, stats!]);
    return {
      value: tf.reshape(y!, xIn.shape),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xS, gS, statsS] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor2D];
        const inputs = { x: xS, dy: tf.reshape(dy, [-1, d]), gamma: gS, stats: statsS };
        const [dx, dGamma, dBeta] = tf.engine().runKernel(LAYER_NORM_GRAD, inputs) as tf.Tensor[];
        return [tf.reshape(dx!, dy.shape), dGamma!, dBeta!];
      },
    };
  });
  return fused(x, gamma, beta) as T;
}

/** {@link layerNorm} as tfjs ops (every backend, any width; the reference of the wasm kernels). */
export function layerNormOps<T extends tf.Tensor>(x: T, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): T {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, x.rank - 1, true);
    const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
    return tf.add(tf.mul(normed, gamma), beta) as T;
  });
}
