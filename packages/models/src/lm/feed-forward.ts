/**
 * GLaM's dense feed-forward sublayer (`f` layers).
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { Module, type Rng } from '@momentum-smoe/core';
import { Linear } from '../nn/linear.js';
import { dropout } from '../nn/dropout.js';

/**
 * `FeedForwardLayer`: `fc2(Dropout(ReLU(fc1(x))))`, PyTorch names `fc1`, `fc2` (with biases, PyTorch init).
 * @example
 * ```ts
 * const ff = new FeedForward({ dModel: 32, dHidden: 64, dropout: 0.1, rng: new Rng(0) });
 * ff.apply(h); // h: [B, M, 32] → [B, M, 32]
 * ```
 */
export class FeedForward extends Module {
  /** dModel → dHidden, with bias. */
  readonly fc1: Linear;
  /** dHidden → dModel, with bias. */
  readonly fc2: Linear;

  constructor(private readonly options: { dModel: number; dHidden: number; dropout: number; rng: Rng }) {
    super();
    this.fc1 = this.child('fc1', new Linear(options.dModel, options.dHidden, { rng: options.rng }));
    this.fc2 = this.child('fc2', new Linear(options.dHidden, options.dModel, { rng: options.rng }));
  }

  /** x: [B, M, H] → [B, M, H] */
  apply(x: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => {
      const hiddenAct = dropout(tf.relu(this.fc1.apply(x)), this.options.dropout, this.training, this.options.rng);
      return this.fc2.apply(hiddenAct);
    });
  }
}
