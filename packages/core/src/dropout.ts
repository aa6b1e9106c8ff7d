/**
 * Seeded inverted dropout whose mask is a pure function of (seed, element index): a counter-based integer hash, so
 * the backward pass recomputes the same mask instead of saving it, every backend drops the same units, and on wasm
 * the whole op is one SIMD pass (see wasm/dropout.ts). The JavaScript mask here is the reference of that kernel and
 * the path of the other backends.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { SEEDED_DROPOUT, dropoutKernelUsable } from './wasm/dropout.js';

/** lowbias32 (Chris Wellons' integer hash): a bijection on uint32 with good avalanche, as kernels.wat `$mix4`. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** The kernel's parameters for `rate` and `seed`: hash offset, keep threshold on 24-bit draws, inverted scale. */
function dropoutParams(rate: number, seed: number): { key: number; threshold: number; scale: number } {
  return {
    key: mix32((seed ^ 0x9e3779b9) >>> 0),
    threshold: Math.round(rate * 2 ** 24),
    scale: Math.fround(1 / (1 - rate)),
  };
}

/**
 * The mask {@link seededDropout} multiplies by, flat over `count` elements: `1/(1−rate)` where element i is kept,
 * 0 where dropped. Element i is kept when the top 24 bits of `mix32(i + key)` are at least `rate·2^24`.
 * @example
 * ```ts
 * seededDropoutMask(8, 0.5, 42); // e.g. Float32Array [2, 0, 0, 2, 2, 0, 2, 0]
 * ```
 */
export function seededDropoutMask(count: number, rate: number, seed: number): Float32Array {
  const { key, threshold, scale } = dropoutParams(rate, seed);
  const mask = new Float32Array(count);
  for (let i = 0; i < count; i++) mask[i] = mix32((i + key) >>> 0) >>> 8 >= threshold ? scale : 0;
  return mask;
}

function checkRate(rate: number): void {
  if (!(rate >= 0 && rate < 1)) throw new RangeError(`seededDropout: rate must be in [0, 1), got ${rate}`);
}

/** `x · seededDropoutMask(size, rate, seed)` as tfjs ops on any backend (no gradient of its own). */
export function seededDropoutOps<T extends tf.Tensor>(x: T, rate: number, seed: number): T {
  checkRate(rate);
  return tf.tidy(() => tf.mul(x, tf.tensor(seededDropoutMask(x.size, rate, seed), x.shape, 'float32')) as T);
}

/** One application of the mask: the wasm kernel where it runs, else {@link seededDropoutOps}. */
function applyMask<T extends tf.Tensor>(x: T, rate: number, seed: number): T {
  if (dropoutKernelUsable() && x.dtype === 'float32') {
    const attrs = dropoutParams(rate, seed);
    return tf.engine().runKernel(SEEDED_DROPOUT, { x }, attrs as unknown as tf.NamedAttrMap) as T;
  }
  return seededDropoutOps(x, rate, seed);
}

/**
 * Inverted dropout of float32 `x` (any shape): each element is zeroed with probability `rate` (to within 2^−24)
 * and the others scaled by `1/(1−rate)`; which ones is fixed by `seed` (an integer in [0, 2^32)) and the element's
 * index. Differentiable: the gradient is `dy` through the same mask, recomputed from the seed. `rate` 0 returns `x`.
 * @example
 * ```ts
 * const y = seededDropout(h, 0.1, rng.nextSeed()); // h: [B, M, H] → [B, M, H]
 * ```
 */
export function seededDropout<T extends tf.Tensor>(x: T, rate: number, seed: number): T {
  checkRate(rate);
  if (rate === 0) return x;
  const op = tf.customGrad((input) => ({
    value: applyMask(input as tf.Tensor, rate, seed),
    gradFunc: (dy: tf.Tensor) => applyMask(dy, rate, seed),
  }));
  return op(x) as T;
}
