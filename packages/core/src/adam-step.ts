/**
 * Fused optimiser ops: one Adam step of one parameter, and the squared global norm of many gradients. On wasm each is
 * one SIMD kernel call over the data (see wasm/adam.ts); elsewhere the same arithmetic as tfjs ops, which is also the
 * reference the kernels are tested against.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from './errors.js';
import { ADAM_STEP, type AdamStepAttrs, SQUARED_NORM, optimizerKernelsUsable } from './wasm/adam.js';

/** Hyper-parameters of {@link adamStep}. */
export interface AdamStepOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** The step number t ≥ 1, for the bias corrections 1 − β1^t and 1 − β2^t. */
  step: number;
  /** Decoupled weight decay (AdamW): adds `weightDecay·p` to the update. Default 0. */
  weightDecay?: number;
  /** A scalar the gradient is multiplied by first (gradient clipping); default none. */
  gradScale?: tf.Scalar;
}

/** What {@link adamStep} returns: new tensors for the parameter and both moments (assign them). */
export interface AdamStepResult {
  param: tf.Tensor;
  m: tf.Tensor;
  v: tf.Tensor;
}

/**
 * One Adam step with PyTorch's semantics (bias-corrected, ε outside the root): with g' = scale·g,
 * `m' = β1·m + (1−β1)·g'`, `v' = β2·v + (1−β2)·g'²`,
 * `p' = p − lr·((m'/c1) / (√(v'/c2) + ε) + wd·p)`.
 * All four inputs share one shape (float32). On wasm this is one pass over the data.
 * @example
 * ```ts
 * const next = adamStep(p, g, m, v, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, step: 1 });
 * p.assign(next.param); m.assign(next.m); v.assign(next.v);
 * ```
 */
export function adamStep(
  param: tf.Tensor,
  grad: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  o: AdamStepOptions,
): AdamStepResult {
  for (const [name, t] of [
    ['grad', grad],
    ['m', m],
    ['v', v],
  ] as const) {
    if (!tf.util.arraysEqual(t.shape, param.shape))
      throw new ShapeError(`adamStep ${name} (the parameter's shape)`, param.shape, t.shape);
  }
  if (optimizerKernelsUsable() && [param, grad, m, v].every((t) => t.dtype === 'float32')) {
    const attrs = attrsOf(o);
    return tf.tidy(() => {
      const scale = o.gradScale ?? tf.scalar(1);
      const inputs = { param, grad, m, v, scale } as unknown as tf.NamedTensorMap;
      const [p2, m2, v2] = tf.engine().runKernel(ADAM_STEP, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      return { param: p2!, m: m2!, v: v2! };
    });
  }
  return adamStepOps(param, grad, m, v, o);
}

function attrsOf(o: AdamStepOptions): AdamStepAttrs {
  const { lr, beta1, beta2, eps, step } = o;
  return { lr, beta1, beta2, eps, c1: 1 - beta1 ** step, c2: 1 - beta2 ** step, weightDecay: o.weightDecay ?? 0 };
}

/** {@link adamStep} as tfjs ops (every backend; the reference of the wasm kernel). */
export function adamStepOps(
  param: tf.Tensor,
  grad: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  o: AdamStepOptions,
): AdamStepResult {
  const a = attrsOf(o);
  return tf.tidy(() => {
    const g = o.gradScale ? tf.mul(grad, o.gradScale) : grad;
    const m2 = tf.add(tf.mul(m, a.beta1), tf.mul(g, 1 - a.beta1));
    const v2 = tf.add(tf.mul(v, a.beta2), tf.mul(tf.square(g), 1 - a.beta2));
    let update = tf.div(tf.div(m2, a.c1), tf.add(tf.sqrt(tf.div(v2, a.c2)), a.eps));
    if (a.weightDecay !== 0) update = tf.add(update, tf.mul(param, a.weightDecay));
    return { param: tf.sub(param, tf.mul(update, a.lr)), m: m2, v: v2 };
  });
}

/**
 * `Σ_t Σ_i t_i²` over all `tensors` (float32), a scalar: the squared global norm of a set of gradients. On wasm one
 * kernel call, accumulated in float64.
 * @example
 * ```ts
 * const norm = tf.sqrt(squaredNorm(Object.values(grads)));
 * ```
 */
export function squaredNorm(tensors: readonly tf.Tensor[]): tf.Scalar {
  if (tensors.length === 0) return tf.scalar(0);
  if (optimizerKernelsUsable() && tensors.every((t) => t.dtype === 'float32')) {
    const inputs = Object.fromEntries(tensors.map((t, i) => [`x${i}`, t]));
    return tf.engine().runKernel(SQUARED_NORM, inputs) as tf.Scalar;
  }
  return tf.tidy(() => tf.addN(tensors.map((t) => tf.sum(tf.square(t)))) as tf.Scalar);
}
