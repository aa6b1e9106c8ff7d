/**
 * PyTorch-compatible LayerNorm over the last axis.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { Module, layerNorm } from '@momentum-smoe/core';

/**
 * `nn.LayerNorm(dim)`: `(x − mean) / √(var + eps) · weight + bias` over the last axis, biased variance,
 * `eps` 1e-5, weight 1 and bias 0 at init. Parameters are named `weight` and `bias` as in PyTorch.
 * @example
 * ```ts
 * const ln = new LayerNorm(64);
 * const y = ln.apply(tf.randomNormal([2, 8, 64])); // [2, 8, 64]
 * ```
 */
export class LayerNorm extends Module {
  /** Scale γ: `[dim]`. */
  readonly weight: tf.Variable<tf.Rank.R1>;
  /** Shift β: `[dim]`. */
  readonly bias: tf.Variable<tf.Rank.R1>;

  constructor(
    readonly dim: number,
    readonly eps = 1e-5,
  ) {
    super();
    this.weight = this.param('weight', tf.ones([dim]) as tf.Tensor1D);
    this.bias = this.param('bias', tf.zeros([dim]) as tf.Tensor1D);
  }

  /** x: [..., dim] → [..., dim] (one SIMD kernel forward and one backward on wasm, see core's `layerNorm`). */
  apply<T extends tf.Tensor>(x: T): T {
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}
