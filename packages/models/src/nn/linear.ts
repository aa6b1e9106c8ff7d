/**
 * A dense layer in x·W layout with PyTorch's default init.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { Module, type Rng, torchLinearInit } from '@momentum-smoe/core';

/**
 * `nn.Linear(dIn, dOut, bias)` stored as `weight: [dIn, dOut]` (the transpose of PyTorch's `(out, in)`), so that
 * `y = x·W + b`. Init U(±1/√dIn) for weight and bias, as PyTorch does.
 * @example
 * ```ts
 * const lin = new Linear(16, 4, { rng: new Rng(0), bias: false });
 * lin.apply(tf.ones([3, 5, 16])); // [3, 5, 4]
 * ```
 */
export class Linear extends Module {
  /** `[dIn, dOut]`. */
  readonly weight: tf.Variable<tf.Rank.R2>;
  /** `[dOut]`, or null without bias. */
  readonly bias: tf.Variable<tf.Rank.R1> | null;

  constructor(
    readonly dIn: number,
    readonly dOut: number,
    options: { rng: Rng; bias?: boolean },
  ) {
    super();
    const init = torchLinearInit(options.rng, dIn, dOut);
    this.weight = this.param('weight', init.weight);
    if (options.bias ?? true) this.bias = this.param('bias', init.bias);
    else {
      init.bias.dispose();
      this.bias = null;
    }
  }

  /** x: [..., dIn] → [..., dOut] (folded to one 2-D matMul, the fast path on wasm). */
  apply<T extends tf.Tensor>(x: T): T {
    return tf.tidy(() => {
      const lead = x.shape.slice(0, -1);
      let y = tf.matMul(tf.reshape(x, [-1, this.dIn]) as tf.Tensor2D, this.weight);
      if (this.bias) y = tf.add(y, this.bias);
      return tf.reshape(y, [...lead, this.dOut]) as T;
    });
  }
}
