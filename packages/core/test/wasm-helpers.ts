/**
 * Shared by the wasm patch tests: run a computation on a named backend from plain arrays, compare results, and
 * an independent float64 matMul reference with numpy batch broadcasting.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import type { Rng } from '@momentum-smoe/core';

/** Switches to `backend`, runs `f` in a tidy and returns every output as a plain Float64Array (host copy). */
export async function runOn(backend: 'cpu' | 'wasm', f: () => tf.Tensor | tf.Tensor[]): Promise<Float64Array[]> {
  await tf.setBackend(backend);
  const out = tf.tidy(f);
  const list = Array.isArray(out) ? out : [out];
  const data = await Promise.all(list.map((t) => t.data()));
  tf.dispose(list);
  return data.map((d) => Float64Array.from(d));
}

/** Uniform numbers in [-1, 1) as a plain array, from a seeded generator. */
export function randomArray(rng: Rng, n: number): number[] {
  return Array.from(rng.uniformArray(n, -1, 1));
}

/** Largest |actual − expected| over the largest |expected| (or 1 when that is smaller). */
export function relError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  let scale = 1e-30;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return diff / Math.max(scale, 1);
}

/** Asserts each actual array equals its expected one to `tol` relative error; `what` names the case (and seed). */
export function expectClose(
  actual: ArrayLike<number>[],
  expected: ArrayLike<number>[],
  tol: number,
  what: string,
): void {
  expect(actual.length, what).toBe(expected.length);
  actual.forEach((a, i) => expect(relError(a, expected[i]!), `${what} (output ${i})`).toBeLessThan(tol));
}

/** Data ids the active backend holds (catches leaked heap views and temporaries, which are not tensors). */
export function backendDataIds(): number {
  return (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
}

/**
 * Float64 `op(a) · op(b)` for row-major arrays with numpy-broadcast batch dims: the independent reference.
 * Returns the values and the output shape.
 */
export function naiveMatMul(
  a: ArrayLike<number>,
  aShape: number[],
  b: ArrayLike<number>,
  bShape: number[],
  transposeA: boolean,
  transposeB: boolean,
): { values: Float64Array; shape: number[] } {
  const [aR, aC] = aShape.slice(-2) as [number, number];
  const [bR, bC] = bShape.slice(-2) as [number, number];
  const [m, k] = transposeA ? [aC, aR] : [aR, aC];
  const n = transposeB ? bR : bC;
  const aBatch = aShape.slice(0, -2);
  const bBatch = bShape.slice(0, -2);
  const rank = Math.max(aBatch.length, bBatch.length);
  const pad = (s: number[]) => [...new Array<number>(rank - s.length).fill(1), ...s];
  const [pa, pb] = [pad(aBatch), pad(bBatch)];
  const batch = pa.map((d, i) => Math.max(d, pb[i]!));
  const total = batch.reduce((p, d) => p * d, 1);
  const values = new Float64Array(total * m * n);
  const flatIndex = (coords: number[], shape: number[]) =>
    coords.reduce((acc, c, i) => acc * shape[i]! + (shape[i] === 1 ? 0 : c), 0);
  for (let o = 0; o < total; o++) {
    const coords: number[] = [];
    let rest = o;
    for (let i = rank - 1; i >= 0; i--) {
      coords[i] = rest % batch[i]!;
      rest = Math.floor(rest / batch[i]!);
    }
    const aOff = flatIndex(coords, pa) * aR * aC;
    const bOff = flatIndex(coords, pb) * bR * bC;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = transposeA ? a[aOff + p * aC + i]! : a[aOff + i * aC + p]!;
          const bv = transposeB ? b[bOff + j * bC + p]! : b[bOff + p * bC + j]!;
          s += av * bv;
        }
        values[(o * m + i) * n + j] = s;
      }
    }
  }
  return { values, shape: [...batch, m, n] };
}
