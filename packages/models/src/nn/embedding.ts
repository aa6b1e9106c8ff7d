/**
 * A token embedding table.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { Module, type Rng, normalInit } from '@momentum-smoe/core';

/**
 * `nn.Embedding(vocab, dim)`: `weight: [vocab, dim]` with N(0, 1) init (PyTorch's default), looked up by id.
 * @example
 * ```ts
 * const emb = new Embedding(100, 8, new Rng(0));
 * emb.apply(tf.tensor2d([[1, 2, 3]], [1, 3], 'int32')); // [1, 3, 8]
 * ```
 */
export class Embedding extends Module {
  /** `[vocab, dim]`. */
  readonly weight: tf.Variable<tf.Rank.R2>;

  constructor(
    readonly vocab: number,
    readonly dim: number,
    rng: Rng,
  ) {
    super();
    this.weight = this.param('weight', normalInit(rng, [vocab, dim]) as tf.Tensor2D);
  }

  /** ids: [...] int32 → [..., dim]. Flat 1-D gather (never `batchDims`, which is wrong on wasm). */
  apply(ids: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.reshape(tf.gather(this.weight, tf.reshape(ids, [-1])), [...ids.shape, this.dim]));
  }
}
