/**
 * The Flax initialisers V-MoE uses, drawn from a seeded {@link Rng} so every backend gets the same weights, and a
 * helper that builds the shared {@link Linear} layer with them.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { normalInit, uniformInit, type Rng } from '@momentum-smoe/core';
import { Linear } from '../nn/linear.js';

/**
 * Glorot/Xavier uniform, U(±√(6 / (fanIn + fanOut))): Flax's `xavier_uniform`, V-MoE's kernel init for attention
 * and MLP layers. The last two dimensions of `shape` are `[fanIn, fanOut]`; leading ones (experts) are a batch.
 */
export function xavierUniform(rng: Rng, shape: readonly number[]): tf.Tensor {
  const fanIn = shape[shape.length - 2] ?? 1;
  const fanOut = shape[shape.length - 1] ?? 1;
  return uniformInit(rng, shape, Math.sqrt(6 / (fanIn + fanOut)));
}

/**
 * LeCun normal, N(0, 1/fanIn): Flax's default `Dense`/`Conv` kernel init (Flax truncates at two standard deviations
 * and rescales; this draws the untruncated Gaussian of the same variance). `fanIn` is the product of all but the last
 * dimension of `shape`.
 */
export function lecunNormal(rng: Rng, shape: readonly number[]): tf.Tensor {
  const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  return normalInit(rng, shape, 1 / Math.sqrt(fanIn));
}

/** Kernel and bias initialisers of {@link flaxLinear}. */
export interface FlaxLinearInit {
  kernel: 'xavier' | 'lecun' | 'zeros';
  /** `zeros`, `tiny` (N(0, 1e-6²), Flax's MLP bias init), or a constant. */
  bias: 'zeros' | 'tiny' | number;
}

/**
 * A {@link Linear} (`weight: [dIn, dOut]`, `bias: [dOut]`) with Flax initialisation instead of PyTorch's.
 * `Linear` draws its PyTorch init from a forked stream, so `rng` advances by one draw plus the Flax draws.
 * @example
 * ```ts
 * const head = flaxLinear(new Rng(0), 64, 10, { kernel: 'zeros', bias: -Math.log(10) });
 * ```
 */
export function flaxLinear(rng: Rng, dIn: number, dOut: number, init: FlaxLinearInit): Linear {
  const lin = new Linear(dIn, dOut, { rng: rng.fork() });
  const kernel =
    init.kernel === 'xavier'
      ? xavierUniform(rng, [dIn, dOut])
      : init.kernel === 'lecun'
        ? lecunNormal(rng, [dIn, dOut])
        : tf.zeros([dIn, dOut]);
  const bias =
    init.bias === 'tiny' ? normalInit(rng, [dOut], 1e-6) : tf.fill([dOut], init.bias === 'zeros' ? 0 : init.bias);
  lin.weight.assign(kernel as tf.Tensor2D);
  lin.bias?.assign(bias as tf.Tensor1D);
  kernel.dispose();
  bias.dispose();
  return lin;
}
