/**
 * PyTorch-compatible LayerNorm over the last axis.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '@momentum-smoe/core';

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

  /** x: [..., dim] → [..., dim]. */
  apply<T extends tf.Tensor>(x: T): T {
    return tf.tidy(() => {
      const axis = x.rank - 1;
      const { mean, variance } = tf.moments(x, axis, true);
      const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps)));
      return tf.add(tf.mul(normed, this.weight), this.bias) as T;
    });
  }
}
