/**
 * Multi-head self-attention over all tokens of an image (no mask, no dropout: V-MoE sets attention dropout to 0).
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, Module, assertShape, type Rng } from '@momentum-smoe/core';
import type { Linear } from '../nn/linear.js';
import { flaxLinear } from './init.js';

/**
 * Flax `MultiHeadDotProductAttention` as V-MoE configures it: query/key/value/out projections with bias,
 * Xavier-uniform kernels and zero biases, scores scaled by 1/√(d/heads).
 * @example
 * ```ts
 * const mha = new SelfAttention(64, 4, new Rng(0));
 * const y = mha.apply(tf.randomNormal([2, 17, 64])); // y: [2, 17, 64]
 * ```
 */
export class SelfAttention extends Module {
  /** `[d, d]` projections, heads side by side (Flax's `[d, h, d/h]` flattened). */
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;
  readonly out: Linear;

  constructor(
    readonly dim: number,
    readonly heads: number,
    rng: Rng,
  ) {
    super();
    if (!Number.isInteger(heads) || heads < 1 || dim % heads !== 0) {
      throw new ConfigError(
        `SelfAttention: hidden size ${dim} must be a multiple of heads (${heads}); change one of them`,
      );
    }
    const proj = () => flaxLinear(rng, dim, dim, { kernel: 'xavier', bias: 'zeros' });
    this.query = this.child('query', proj());
    this.key = this.child('key', proj());
    this.value = this.child('value', proj());
    this.out = this.child('out', proj());
  }

  /** `x: [B, N, d] → [B, N, d]`. */
  apply(x: tf.Tensor3D): tf.Tensor3D {
    assertShape(x, [null, null, this.dim], 'SelfAttention input x');
    return tf.tidy(() => {
      const [b, n] = x.shape;
      const h = this.heads;
      const dh = this.dim / h;
      // [B, N, d] → [B·h, N, dh]
      const split = (t: tf.Tensor) =>
        tf.reshape(tf.transpose(tf.reshape(t, [b, n, h, dh]), [0, 2, 1, 3]), [b * h, n, dh]);
      const q = split(tf.mul(this.query.apply(x), 1 / Math.sqrt(dh)));
      const k = split(this.key.apply(x));
      const v = split(this.value.apply(x));
      const probs = tf.softmax(tf.matMul(q, k, false, true)); // [B·h, N, N]
      const ctx = tf.matMul(probs, v); // [B·h, N, dh]
      const merged = tf.reshape(tf.transpose(tf.reshape(ctx, [b, h, n, dh]), [0, 2, 1, 3]), [b, n, this.dim]);
      return this.out.apply(merged) as tf.Tensor3D;
    });
  }
}
