import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import { asWasmBackend, f32At, offsetOf } from '../src/wasm/heap.js';
import { hasSimdGemm, simdGemm } from '../src/wasm/simd/simd-gemm.js';
import { backendDataIds, randomArray, relError } from './wasm-helpers.js';

const SEED = 4093;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

interface Case {
  m: number;
  n: number;
  k: number;
  /** A stored [m, k] (`rows`), [k, m] (`cols`), or [k, 2m] using every other element (`strided`: neither stride 1). */
  a: 'rows' | 'cols' | 'strided';
  /** C stored column-major ([n, m]) instead of [m, n]. */
  cT: boolean;
  bias: boolean;
  accumulate: boolean;
}

// sizes around the 4×8 tile and the 256-deep pass: full tiles, row tails, column tails, both, depth 0 and > 256
const CASES: Case[] = [
  { m: 8, n: 16, k: 5, a: 'rows', cT: false, bias: false, accumulate: false },
  { m: 7, n: 13, k: 300, a: 'rows', cT: false, bias: true, accumulate: false },
  { m: 3, n: 5, k: 9, a: 'cols', cT: false, bias: false, accumulate: true },
  { m: 13, n: 24, k: 513, a: 'cols', cT: true, bias: false, accumulate: false },
  { m: 12, n: 9, k: 17, a: 'rows', cT: true, bias: false, accumulate: true },
  { m: 5, n: 8, k: 0, a: 'rows', cT: false, bias: true, accumulate: false },
  { m: 4, n: 8, k: 0, a: 'cols', cT: true, bias: false, accumulate: false },
  { m: 1, n: 1, k: 1, a: 'rows', cT: false, bias: true, accumulate: false },
  { m: 9, n: 17, k: 6, a: 'strided', cT: false, bias: false, accumulate: false },
  { m: 8, n: 8, k: 3, a: 'strided', cT: true, bias: false, accumulate: true },
];

/** Index of A(i, p) in its stored array, and the strides (in elements) that say the same to simdGemm. */
function aIndex(c: Case, i: number, p: number): number {
  const { row, col } = aStrides(c);
  return i * row + p * col;
}
function aStrides(c: Case): { row: number; col: number } {
  return c.a === 'rows' ? { row: c.k, col: 1 } : c.a === 'cols' ? { row: 1, col: c.m } : { row: 2, col: 2 * c.m };
}

/** Float64 reference: C0 (when accumulating) + A·B + bias, as a row-major [m, n] array. */
function reference(c: Case, a: number[], b: number[], bias: number[], c0: number[]): Float64Array {
  const out = new Float64Array(c.m * c.n);
  for (let i = 0; i < c.m; i++) {
    for (let j = 0; j < c.n; j++) {
      let s = c.accumulate ? c0[c.cT ? j * c.m + i : i * c.n + j]! : c.bias ? bias[j]! : 0;
      for (let p = 0; p < c.k; p++) s += a[aIndex(c, i, p)]! * b[p * c.n + j]!;
      out[i * c.n + j] = s;
    }
  }
  return out;
}

describe('simdGemm (our SIMD kernel on the wasm heap)', () => {
  it('runs the binary assembled from kernels.wat (the embedded copy is not stale)', () => {
    const script = fileURLToPath(new URL('../scripts/build-wasm.mjs', import.meta.url));
    expect(() => execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' })).not.toThrow();
  });

  it('is available on the wasm backend here', () => {
    expect(hasSimdGemm(asWasmBackend(tf.backend()))).toBe(true);
  });

  it.each(CASES)('matches float64 loops: %o', (c) => {
    const rng = new Rng(SEED + c.m * 1000 + c.k);
    const [a, b, bias, c0] = [c.m * c.k * (c.a === 'strided' ? 2 : 1), c.k * c.n, c.n, c.m * c.n].map((n) => randomArray(rng, n)) as [number[], number[], number[], number[]];
    const backend = asWasmBackend(tf.backend());
    const ids = backendDataIds();
    const [ta, tb, tBias, tc] = [tf.tensor1d(a), tf.tensor1d(b), tf.tensor1d(bias), tf.tensor1d(c0)];
    simdGemm(backend, {
      m: c.m, n: c.n, k: c.k,
      a: offsetOf(backend, ta), aRow: aStrides(c).row, aCol: aStrides(c).col,
      b: offsetOf(backend, tb), bRow: c.n,
      c: offsetOf(backend, tc), cRow: c.cT ? 1 : c.n, cCol: c.cT ? c.m : 1,
      bias: c.bias ? offsetOf(backend, tBias) : 0, accumulate: c.accumulate,
    });
    const raw = f32At(backend, offsetOf(backend, tc), c.m * c.n);
    const got = Float64Array.from({ length: c.m * c.n }, (_, t) => raw[c.cT ? (t % c.n) * c.m + Math.floor(t / c.n) : t]!);
    expect(relError(got, reference(c, a, b, bias, c0)), `seed ${SEED + c.m * 1000 + c.k}`).toBeLessThan(1e-5);
    tf.dispose([ta, tb, tBias, tc]);
    expect(backendDataIds(), 'scratch released').toBe(ids);
  });

  it('rejects a result layout that is neither row- nor column-major, and bias with accumulate', () => {
    const backend = asWasmBackend(tf.backend());
    const base = { m: 4, n: 8, k: 2, a: 0, aRow: 2, aCol: 1, b: 0, bRow: 8, c: 0 };
    expect(() => simdGemm(backend, { ...base, cRow: 16, cCol: 2 })).toThrow(/row-major .* or column-major/);
    expect(() => simdGemm(backend, { ...base, cRow: 8, cCol: 1, bias: 64, accumulate: true })).toThrow(/bias and accumulate/);
  });
});
