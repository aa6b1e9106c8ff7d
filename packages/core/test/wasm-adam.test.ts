import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, adamStep, adamStepOps, initBackend, squaredNorm } from '@momentum-smoe/core';

const SEED = 5521;

beforeAll(async () => {
  const report = await initBackend({ backend: 'wasm' });
  expect(report.patches).toContain('MsmoeAdamStep');
});

/** Float64 Adam step, element by element (PyTorch's formula). */
function reference(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  o: { lr: number; b1: number; b2: number; eps: number; t: number; wd: number; scale: number },
) {
  const out = { p: new Float64Array(p.length), m: new Float64Array(p.length), v: new Float64Array(p.length) };
  const [c1, c2] = [1 - o.b1 ** o.t, 1 - o.b2 ** o.t];
  for (let i = 0; i < p.length; i++) {
    const gi = o.scale * g[i]!;
    out.m[i] = o.b1 * m[i]! + (1 - o.b1) * gi;
    out.v[i] = o.b2 * v[i]! + (1 - o.b2) * gi * gi;
    out.p[i] = p[i]! - o.lr * (out.m[i]! / c1 / (Math.sqrt(out.v[i]! / c2) + o.eps) + o.wd * p[i]!);
  }
  return out;
}

/** max |got − ref| over max |ref| (entries of m can cancel to near 0, so not element-wise relative). */
function maxRelError(got: Float32Array, ref: Float64Array): number {
  let [worst, scale] = [0, 0];
  ref.forEach((r, i) => {
    worst = Math.max(worst, Math.abs(got[i]! - r));
    scale = Math.max(scale, Math.abs(r));
  });
  return worst / scale;
}

describe('adamStep (wasm SIMD kernel)', () => {
  // 1003 elements: not a multiple of 4, so the one-at-a-time tail runs too
  it.each([
    { n: 1003, t: 1, wd: 0, scale: 1 },
    { n: 64, t: 7, wd: 0.01, scale: 0.5 },
    { n: 3, t: 100, wd: 0, scale: 2 },
  ])('matches a float64 loop and the tfjs-ops path: %o', ({ n, t, wd, scale }) => {
    const rng = new Rng(SEED + n);
    const [p, g, m] = [0, 1, 2].map(() => Float32Array.from(rng.uniformArray(n, -1, 1)));
    const v = Float32Array.from(rng.uniformArray(n, 0, 0.1));
    const o = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, step: t, weightDecay: wd };
    const before = tf.memory().numTensors;
    const [tp, tg, tm, tv, ts] = [tf.tensor1d(p!), tf.tensor1d(g!), tf.tensor1d(m!), tf.tensor1d(v), tf.scalar(scale)];
    const fused = adamStep(tp, tg, tm, tv, { ...o, gradScale: ts });
    const ops = adamStepOps(tp, tg, tm, tv, { ...o, gradScale: ts });
    const ref = reference(p!, g!, m!, v, { lr: 1e-3, b1: 0.9, b2: 0.999, eps: 1e-8, t, wd, scale });
    for (const [name, r] of [
      ['param', ref.p],
      ['m', ref.m],
      ['v', ref.v],
    ] as const) {
      const got = fused[name].dataSync() as Float32Array;
      expect(maxRelError(got, r), `${name}, seed ${SEED + n}`).toBeLessThan(1e-6);
      expect(
        maxRelError(got, Float64Array.from(ops[name].dataSync())),
        `${name} vs ops, seed ${SEED + n}`,
      ).toBeLessThan(1e-6);
    }
    tf.dispose([tp, tg, tm, tv, ts, fused.param, fused.m, fused.v, ops.param, ops.m, ops.v]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a gradient of another shape', () => {
    const [p, g] = [tf.zeros([4]), tf.zeros([5])];
    expect(() => adamStep(p, g, p, p, { lr: 1, beta1: 0.9, beta2: 0.9, eps: 1e-8, step: 1 })).toThrow(/grad/);
    tf.dispose([p, g]);
  });
});

describe('squaredNorm (wasm SIMD kernel, float64 accumulation)', () => {
  it('matches a float64 sum over several tensors, tails included', () => {
    const rng = new Rng(SEED);
    const arrays = [7, 1000, 1, 33].map((n) => Float32Array.from(rng.uniformArray(n, -3, 3)));
    const want = arrays.reduce((s, a) => s + a.reduce((t, x) => t + x * x, 0), 0);
    const tensors = arrays.map((a) => tf.tensor1d(a));
    const got = squaredNorm(tensors);
    expect(Math.abs(got.dataSync()[0]! - want) / want, `seed ${SEED}`).toBeLessThan(1e-6);
    tf.dispose([got, ...tensors]);
  });
});
