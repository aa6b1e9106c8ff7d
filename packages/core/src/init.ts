/**
 * Seeded initialisers that reproduce PyTorch's and fastmoe's defaults, drawn in JS so that the same seed gives the
 * same weights on every backend.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from './rng.js';

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Uniform U(−bound, bound) of the given shape. */
export function uniformInit(rng: Rng, shape: readonly number[], bound: number): tf.Tensor {
  return tf.tensor(rng.uniformArray(size(shape), -bound, bound), [...shape], 'float32');
}

/** Gaussian N(mean, std²) of the given shape. */
export function normalInit(rng: Rng, shape: readonly number[], std = 1, mean = 0): tf.Tensor {
  return tf.tensor(rng.normalArray(size(shape), mean, std), [...shape], 'float32');
}

/**
 * PyTorch `nn.Linear` default: `kaiming_uniform_(a=√5)` on the weight, which is U(±1/√fanIn), and U(±1/√fanIn)
 * on the bias. Shapes here are tfjs-style: weight `[fanIn, fanOut]` (x·W), bias `[fanOut]`.
 * @example
 * ```ts
 * const { weight, bias } = torchLinearInit(new Rng(0), 256, 16); // weight: [256, 16], bias: [16]
 * ```
 */
export function torchLinearInit(rng: Rng, fanIn: number, fanOut: number): { weight: tf.Tensor2D; bias: tf.Tensor1D } {
  const bound = 1 / Math.sqrt(fanIn);
  return {
    weight: uniformInit(rng, [fanIn, fanOut], bound) as tf.Tensor2D,
    bias: uniformInit(rng, [fanOut], bound) as tf.Tensor1D,
  };
}

/**
 * fastmoe's expert init (docs/paper-notes.md#expert-initialisation): `kaiming_uniform_(a=√5)` applied to the
 * stacked `[E, out, in]` tensor, where PyTorch takes fan_in = out·in, so the bound is 1/√(out·in), not 1/√in.
 * Returns `[E, dIn, dOut]` (tfjs layout, x·W).
 */
export function fastmoeExpertInit(rng: Rng, experts: number, dIn: number, dOut: number): tf.Tensor3D {
  return uniformInit(rng, [experts, dIn, dOut], 1 / Math.sqrt(dIn * dOut)) as tf.Tensor3D;
}
