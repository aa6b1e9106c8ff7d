import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import { asWasmBackend, f32At, offsetOf } from '../src/wasm/heap.js';
import { hasSimdGemm, simdGemm } from '../src/wasm/simd/simd-gemm.js';
import { type KernelBuild, forceKernelBuild, kernelBuild } from '../src/wasm/simd/simd-module.js';
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
  /** B stored by columns ([n, k], a weight used transposed) instead of [k, n]. */
  bT: boolean;
  bias: boolean;
  accumulate: boolean;
}

// sizes around the 4×8 tile and the 256-deep pass: full tiles, row tails, column tails, both, depth 0 and > 256
const CASES: Case[] = [
  { m: 8, n: 16, k: 5, a: 'rows', bT: false, bias: false, accumulate: false },
  { m: 7, n: 13, k: 300, a: 'rows', bT: false, bias: true, accumulate: false },
  { m: 3, n: 5, k: 9, a: 'cols', bT: false, bias: false, accumulate: true },
  { m: 13, n: 24, k: 513, a: 'cols', bT: true, bias: false, accumulate: false },
  { m: 12, n: 9, k: 17, a: 'rows', bT: true, bias: false, accumulate: true },
  { m: 5, n: 8, k: 0, a: 'rows', bT: false, bias: true, accumulate: false },
  { m: 4, n: 8, k: 0, a: 'cols', bT: true, bias: false, accumulate: false },
  { m: 1, n: 1, k: 1, a: 'rows', bT: false, bias: true, accumulate: false },
  { m: 9, n: 17, k: 6, a: 'strided', bT: false, bias: false, accumulate: false },
  { m: 8, n: 8, k: 3, a: 'strided', bT: true, bias: false, accumulate: true },
  { m: 6, n: 21, k: 263, a: 'rows', bT: true, bias: true, accumulate: false },
  { m: 2, n: 16, k: 300, a: 'cols', bT: false, bias: true, accumulate: false }, // only a partial strip
  { m: 70, n: 264, k: 40, a: 'rows', bT: false, bias: false, accumulate: true }, // several MC and NC blocks
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
      let s = c.accumulate ? c0[i * c.n + j]! : c.bias ? bias[j]! : 0;
      for (let p = 0; p < c.k; p++) s += a[aIndex(c, i, p)]! * b[c.bT ? j * c.k + p : p * c.n + j]!;
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

  it('runs the relaxed-SIMD (fused multiply-add) build by default on this Node', () => {
    expect(kernelBuild()).toBe('relaxed');
  });

  const BUILDS: KernelBuild[] = ['relaxed', 'plain'];
  it.each(BUILDS.flatMap((build) => CASES.map((c) => [build, c] as const)))(
    '%s build matches float64 loops: %o',
    (build, c) => {
      forceKernelBuild(build);
      onTestFinished(() => forceKernelBuild(null));
      const rng = new Rng(SEED + c.m * 1000 + c.k);
      const [a, b, bias, c0] = [c.m * c.k * (c.a === 'strided' ? 2 : 1), c.k * c.n, c.n, c.m * c.n].map((n) =>
        randomArray(rng, n),
      ) as [number[], number[], number[], number[]];
      const backend = asWasmBackend(tf.backend());
      const ids = backendDataIds();
      const [ta, tb, tBias, tc] = [tf.tensor1d(a), tf.tensor1d(b), tf.tensor1d(bias), tf.tensor1d(c0)];
      simdGemm(backend, {
        m: c.m,
        n: c.n,
        k: c.k,
        a: offsetOf(backend, ta),
        aRow: aStrides(c).row,
        aCol: aStrides(c).col,
        b: offsetOf(backend, tb),
        bRow: c.bT ? 1 : c.n,
        bCol: c.bT ? c.k : 1,
        c: offsetOf(backend, tc),
        cRow: c.n,
        bias: c.bias ? offsetOf(backend, tBias) : 0,
        accumulate: c.accumulate,
      });
      const got = Float64Array.from(f32At(backend, offsetOf(backend, tc), c.m * c.n));
      expect(relError(got, reference(c, a, b, bias, c0)), `seed ${SEED + c.m * 1000 + c.k}`).toBeLessThan(1e-5);
      tf.dispose([ta, tb, tBias, tc]);
      expect(backendDataIds(), 'scratch released').toBe(ids);
    },
  );

  it('works on operands past 2 GB of heap (offsets that do not fit an int32)', () => {
    const backend = asWasmBackend(tf.backend());
    // 2.24 GB reserved but never written: the pages stay untouched, so this costs no memory
    const filler = backend.makeOutput([560_000_000], 'float32');
    try {
      const c: Case = { m: 7, n: 13, k: 9, a: 'rows', bT: false, bias: true, accumulate: false };
      const rng = new Rng(SEED + 1);
      const [a, b, bias] = [c.m * c.k, c.k * c.n, c.n].map((n) => randomArray(rng, n)) as [
        number[],
        number[],
        number[],
      ];
      const [ta, tb, tBias, tc] = [tf.tensor1d(a), tf.tensor1d(b), tf.tensor1d(bias), tf.zeros([c.m * c.n])];
      expect(offsetOf(backend, tc)).toBeGreaterThan(2 ** 31);
      simdGemm(backend, {
        m: c.m,
        n: c.n,
        k: c.k,
        a: offsetOf(backend, ta),
        aRow: c.k,
        aCol: 1,
        b: offsetOf(backend, tb),
        bRow: c.n,
        c: offsetOf(backend, tc),
        cRow: c.n,
        bias: offsetOf(backend, tBias),
      });
      const got = Float64Array.from(f32At(backend, offsetOf(backend, tc), c.m * c.n));
      expect(relError(got, reference(c, a, b, bias, [])), `seed ${SEED + 1}`).toBeLessThan(1e-5);
      tf.dispose([ta, tb, tBias, tc]);
    } finally {
      backend.disposeData(filler.dataId);
    }
  });

  it('rejects a B with neither rows nor columns contiguous, and bias with accumulate', () => {
    const backend = asWasmBackend(tf.backend());
    const base = { m: 4, n: 8, k: 2, a: 0, aRow: 2, aCol: 1, b: 0, c: 0, cRow: 8 };
    expect(() => simdGemm(backend, { ...base, bRow: 16, bCol: 2 })).toThrow(/contiguous rows .* or columns/);
    expect(() => simdGemm(backend, { ...base, bRow: 8, bias: 64, accumulate: true })).toThrow(/bias and accumulate/);
  });
});
