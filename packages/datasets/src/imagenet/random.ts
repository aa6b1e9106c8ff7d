/**
 * Seeded draws for the image pipeline on top of the package's {@link SeededRandom}. Streams are derived from
 * a tuple (seed, epoch, image, ...) by hashing, so an image's augmentation does not depend on decode order
 * or on where a run was resumed.
 * @module
 */
import { SeededRandom } from '../wikitext/random.js';

/** Mixes 32-bit words into one seed (murmur3's mixing per word, then its finaliser). */
export function hashSeed(...words: readonly number[]): number {
  let h = 0x811c9dc5;
  for (const word of words) {
    let k = Math.imul(word >>> 0, 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h ^= k;
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A generator for the stream named by `words`, e.g. `streamFor(seed, epoch, image)`.
 * @example
 * ```ts
 * const rng = streamFor(seed, epoch);
 * const order = permutation(rng, 1000);
 * ```
 */
export function streamFor(...words: readonly number[]): SeededRandom {
  return new SeededRandom(hashSeed(...words));
}

/** Uniform in [lo, hi). */
export function uniformIn(rng: SeededRandom, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.uniform();
}

/** A normal draw with mean 0 and standard deviation `std` (Box–Muller). */
export function gaussian(rng: SeededRandom, std = 1): number {
  let u = 0;
  while (u === 0) u = rng.uniform();
  return std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.uniform());
}

/** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
export function permutation(rng: SeededRandom, n: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}
