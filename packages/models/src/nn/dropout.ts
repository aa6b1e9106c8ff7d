/**
 * Seeded dropout that is a no-op outside training.
 * @module
 */
import type * as tf from '@tensorflow/tfjs';
import { type Rng, seededDropout } from '@momentum-smoe/core';

/**
 * Inverted dropout with rate `rate` when `training` is true, the identity otherwise. The mask's seed comes from
 * `rng`, so a seeded model drops the same units on every run (and on every backend: `seededDropout` of
 * @momentum-smoe/core, one SIMD pass on wasm).
 */
export function dropout<T extends tf.Tensor>(x: T, rate: number, training: boolean, rng: Rng): T {
  if (!training || rate === 0) return x;
  return seededDropout(x, rate, rng.nextSeed());
}
