/**
 * A seeded generator (xoshiro128**) with a saveable state, so that data order and attacks are reproducible
 * and a resumed run draws the same numbers as an uninterrupted one. The datasets package depends on nothing
 * of ours, so this is a small local generator rather than core's `Rng`.
 * @module
 */

/** The whole state of a {@link SeededRandom}: four unsigned 32-bit words. */
export type SeededRandomState = [number, number, number, number];

/**
 * Seeded uniform integers and floats.
 * @example
 * ```ts
 * const rng = new SeededRandom(7);
 * const k = rng.int(10);         // 0..9
 * const saved = rng.state();     // later: new SeededRandom(0, saved)
 * ```
 */
export class SeededRandom {
  private readonly s: SeededRandomState;

  /**
   * @param seed any integer; equal seeds give equal streams.
   * @param state a state from {@link SeededRandom.state}; when given, `seed` is ignored.
   */
  constructor(seed: number, state?: SeededRandomState) {
    if (state !== undefined) {
      if (state.length !== 4 || state.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
        throw new RangeError(`SeededRandom: a state is four unsigned 32-bit integers, got ${JSON.stringify(state)}`);
      }
      this.s = [state[0], state[1], state[2], state[3]];
    } else {
      // splitmix32 spreads any seed over the four words.
      let a = seed >>> 0;
      const next = (): number => {
        a = (a + 0x9e3779b9) >>> 0;
        let z = Math.imul(a ^ (a >>> 16), 0x85ebca6b) >>> 0;
        z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
        return (z ^ (z >>> 16)) >>> 0;
      };
      this.s = [next(), next(), next(), next()];
    }
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  /** Next uniform unsigned 32-bit integer. */
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
    s[0] >>>= 0;
    s[1] >>>= 0;
    s[2] >>>= 0;
    s[3] >>>= 0;
    return result;
  }

  /** Uniform float in [0, 1) with 53 bits. */
  uniform(): number {
    return (this.nextUint32() * 2 ** 21 + (this.nextUint32() >>> 11)) / 2 ** 53;
  }

  /** Uniform integer in [0, n), like Python's `randrange(n)`; `n` a positive integer. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0)
      throw new RangeError(`SeededRandom.int: n must be a positive integer, got ${n}`);
    return Math.floor(this.uniform() * n);
  }

  /** A copy of the current state, to resume the stream later. */
  state(): SeededRandomState {
    return [this.s[0], this.s[1], this.s[2], this.s[3]];
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
