/**
 * Non-overlapping patch embedding: the stride-p, kernel-p VALID convolution of ViT, written as a reshape and one matMul
 * (wasm has no fast convolution backward).
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { Module, assertShape, type Rng } from '@momentum-smoe/core';
import { lecunNormal } from './init.js';

/** Options of {@link PatchEmbedding}. */
export interface PatchEmbeddingOptions {
  /** Image height and width in pixels (square images); must be a multiple of `patchSize`. */
  imageSize: number;
  /** Patch side p. */
  patchSize: number;
  /** Input channels C (1 for MNIST, 3 for ImageNet). */
  channels: number;
  /** Output width d. */
  hidden: number;
  /** Seeded generator for the LeCun-normal kernel. */
  rng: Rng;
}

/**
 * Cuts NHWC images into p×p patches and projects each to `hidden`. The kernel is Flax's conv kernel
 * `[p, p, C, d]` flattened to `[p·p·C, d]` (row index `(kh·p + kw)·C + c`); the bias starts at zero.
 * @example
 * ```ts
 * const pe = new PatchEmbedding({ imageSize: 28, patchSize: 7, channels: 1, hidden: 64, rng: new Rng(0) });
 * const tokens = pe.apply(tf.zeros([8, 28, 28, 1])); // tokens: [8, 16, 64]
 * ```
 */
export class PatchEmbedding extends Module {
  /** `[p·p·C, d]`. */
  readonly kernel: tf.Variable<tf.Rank.R2>;
  /** `[d]`. */
  readonly bias: tf.Variable<tf.Rank.R1>;
  /** Patches per side. */
  readonly grid: number;

  constructor(readonly options: PatchEmbeddingOptions) {
    super();
    const { imageSize, patchSize: p, channels: c, hidden, rng } = options;
    this.grid = imageSize / p;
    this.kernel = this.param('kernel', lecunNormal(rng, [p * p * c, hidden]) as tf.Tensor2D);
    this.bias = this.param('bias', tf.zeros([hidden]));
  }

  /** Number of patches N = (imageSize / p)². */
  get patches(): number {
    return this.grid * this.grid;
  }

  /** `images: [B, H, W, C] → [B, N, d]`, patches in row-major order. */
  apply(images: tf.Tensor4D): tf.Tensor3D {
    const { imageSize: s, patchSize: p, channels: c, hidden } = this.options;
    assertShape(images, [null, s, s, c], 'PatchEmbedding input images (NHWC float32)');
    return tf.tidy(() => {
      const b = images.shape[0];
      const g = this.grid;
      // [B, H, W, C] → [B·g, p(kh), g, p·C (kw, c)] → [B·g, g, p, p·C] → [B·N, p·p·C]
      const rows = tf.reshape(tf.transpose(tf.reshape(images, [b * g, p, g, p * c]), [0, 2, 1, 3]), [
        b * g * g,
        p * p * c,
      ]);
      const y = tf.add(tf.matMul(rows, this.kernel), this.bias); // [B·N, d]
      return tf.reshape(y, [b, g * g, hidden]);
    });
  }
}
