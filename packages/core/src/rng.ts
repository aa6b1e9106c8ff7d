/**
 * A small, fast, seedable random generator (xoshiro128**) whose whole state can be saved and restored,
 * so that a resumed training run draws exactly the numbers the uninterrupted run would have drawn.
 * @module
 */

/** The complete state of an {@link Rng}: four 32-bit words plus a cached Gaussian. */
export interface RngState {
  s: [number, number, number, number];
  spareNormal: number | null;
}

function splitmix32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x9e3779b9) >>> 0;
    let z = a;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * Seeded random numbers: uniform, Gaussian, integers, permutations, and seeds for tfjs ops.
 * @example
 * ```ts
 * const rng = new Rng(42);
 * const u = rng.uniform();              // [0, 1)
 * const w = rng.uniformArray(6, -1, 1); // Float32Array of 6
 * const saved = rng.state();            // later: rng.setState(saved)
 * ```
 */
export class Rng {
  private s: [number, number, number, number];
  private spareNormal: number | null = null;

  /** @param seed any integer; equal seeds give equal streams. */
  constructor(seed: number) {
    const next = splitmix32(seed);
    this.s = [next(), next(), next(), next()];
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  /** Next uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [lo, hi) (default [0, 1)), 53 bits of precision. */
  uniform(lo = 0, hi = 1): number {
    const x = (this.nextUint32() * 2 ** 21 + (this.nextUint32() >>> 11)) / 2 ** 53;
    return lo + (hi - lo) * x;
  }

  /** Standard normal (Box–Muller), times `std` plus `mean`. */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return mean + std * z;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n > 0) || !Number.isInteger(n)) throw new RangeError(`Rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(this.uniform() * n);
  }

  /** `n` uniform floats in [lo, hi). */
  uniformArray(n: number, lo = 0, hi = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.uniform(lo, hi);
    return out;
  }

  /** `n` Gaussian floats. */
  normalArray(n: number, mean = 0, std = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal(mean, std);
    return out;
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }

  /** A seed for a tfjs random op (`tf.randomUniform(..., seed)`), drawn from this stream. */
  nextSeed(): number {
    return this.nextUint32() % 2147483647;
  }

  /** A new generator whose stream is independent of this one's, derived deterministically. */
  fork(): Rng {
    return new Rng(this.nextUint32() ^ 0x5bd1e995);
  }

  /** A copy of the full state (JSON-serialisable). */
  state(): RngState {
    return { s: [...this.s], spareNormal: this.spareNormal };
  }

  /** Restores a state from {@link Rng.state}. */
  setState(state: RngState): void {
    this.s = [state.s[0] >>> 0, state.s[1] >>> 0, state.s[2] >>> 0, state.s[3] >>> 0];
    this.spareNormal = state.spareNormal;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
