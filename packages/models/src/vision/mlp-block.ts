/**
 * The dense ViT MLP block and the GELU it uses.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { Module, type Rng } from '@momentum-smoe/core';
import type { Linear } from '../nn/linear.js';
import { flaxLinear } from './init.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * GELU, tanh approximation (Flax's `nn.gelu` default): `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`.
 * tfjs has no GELU op; this is differentiable through its parts.
 */
export function geluTanh(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), SQRT_2_OVER_PI);
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
  });
}

/**
 * `Dense(d → mlpDim) → GELU → Dense(mlpDim → d)` with V-MoE's init: Xavier-uniform kernels, biases
 * N(0, 1e-6²).
 * No dropout (V-MoE's encoder dropout rate is 0).
 * @example
 * ```ts
 * const mlp = new MlpBlock(64, 128, new Rng(0));
 * const y = mlp.apply(tf.randomNormal([2, 17, 64])); // y: [2, 17, 64]
 * ```
 */
export class MlpBlock extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;

  constructor(dim: number, mlpDim: number, rng: Rng) {
    super();
    this.fc1 = this.child('fc1', flaxLinear(rng, dim, mlpDim, { kernel: 'xavier', bias: 'tiny' }));
    this.fc2 = this.child('fc2', flaxLinear(rng, mlpDim, dim, { kernel: 'xavier', bias: 'tiny' }));
  }

  /** `x: [..., d] → [..., d]`. */
  apply(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.fc2.apply(geluTanh(this.fc1.apply(x))));
  }
}
