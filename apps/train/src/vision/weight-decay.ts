/**
 * Which parameters of a vision model take weight decay. V-MoE decays kernels only (its config's `.*\/kernel` rule):
 * the matrices of dense layers, the patch embedding, the router and the experts; never biases, LayerNorm scales, the
 * CLS token or the position embeddings.
 * @module
 */
import type * as tf from '@tensorflow/tfjs';

/**
 * Last name segments that hold a kernel in this project's modules (`Linear.weight`, `PatchEmbedding.kernel`, experts
 * `w1`/`w2`).
 */
const KERNEL_NAMES = new Set(['kernel', 'weight', 'w1', 'w2']);

/**
 * Whether the parameter `name` of shape `shape` is a kernel: its last dotted segment is `kernel`, `weight`, `w1` or
 * `w2` and it has at least two dimensions (so LayerNorm's 1-D `weight` is excluded). Soft MoE's slot parameters
 * `phi` are not a Dense kernel and do not decay.
 * @example
 * ```ts
 * isKernel('blocks.1.mlp.moe.experts.w1', [4, 64, 128]); // true
 * isKernel('blocks.1.norm1.weight', [64]);               // false
 * ```
 */
export function isKernel(name: string, shape: readonly number[]): boolean {
  const last = name.slice(name.lastIndexOf('.') + 1);
  return shape.length >= 2 && KERNEL_NAMES.has(last);
}

/**
 * The `decay` predicate for the app's `Adam`: true for the kernels of `params` (see {@link isKernel}).
 * @example
 * ```ts
 * const opt = new Adam(params, { weightDecay: 0.1, decay: kernelDecayMask(params), clipNorm: 1 });
 * ```
 */
export function kernelDecayMask(params: Map<string, tf.Variable>): (name: string) => boolean {
  const kernels = new Set([...params].filter(([name, v]) => isKernel(name, v.shape)).map(([name]) => name));
  return (name) => kernels.has(name);
}
