import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, Rng, ShapeError, groupedMatMul, groupedWeightGrad, initBackend } from '@momentum-smoe/core';
import { backendDataIds, expectClose, randomArray, runOn } from './wasm-helpers.js';

const SEED = 7741;

beforeAll(async () => {
  const report = await initBackend({ backend: 'wasm' });
  expect(report.patches).toContain('MsmoeGroupedMatMul');
});

interface Case {
  counts: number[];
  k: number;
  m: number;
  transposeW: boolean;
  bias: boolean;
}

const CASES: Case[] = [
  { counts: [5, 0, 9, 3], k: 12, m: 10, transposeW: false, bias: true }, // empty group, tails everywhere
  { counts: [16, 8], k: 16, m: 24, transposeW: false, bias: false }, // full tiles only
  { counts: [7, 1, 0, 12], k: 9, m: 11, transposeW: true, bias: false },
  { counts: [0, 0, 6], k: 300, m: 5, transposeW: true, bias: false }, // depth beyond one pass
  { counts: [33], k: 7, m: 13, transposeW: false, bias: true }, // one group: a dense layer
  { counts: [16, 3, 8, 5], k: 10, m: 16, transposeW: false, bias: false }, // the largest group has no tail, others do
  { counts: [16, 3, 8, 5], k: 10, m: 12, transposeW: true, bias: false },
  { counts: [4, 0, 9], k: 7, m: 9, transposeW: true, bias: true },
];

/** Float64 reference of the forward product: y[rows of g] = x_g · op(w_g) + b_g. */
function reference(c: Case, x: number[], w: number[], b: number[]): Float64Array {
  const rows = c.counts.reduce((s, n) => s + n, 0);
  const y = new Float64Array(rows * c.m);
  let r = 0;
  c.counts.forEach((n, g) => {
    for (let t = r; t < r + n; t++) {
      for (let j = 0; j < c.m; j++) {
        let s = c.bias ? b[g * c.m + j]! : 0;
        for (let p = 0; p < c.k; p++)
          s += x[t * c.k + p]! * w[g * c.k * c.m + (c.transposeW ? j * c.k + p : p * c.m + j)]!;
        y[t * c.m + j] = s;
      }
    }
    r += n;
  });
  return y;
}

function tensors(c: Case, seed: number) {
  const rng = new Rng(seed);
  const rows = c.counts.reduce((s, n) => s + n, 0);
  const e = c.counts.length;
  const x = randomArray(rng, rows * c.k);
  const w = randomArray(rng, e * c.k * c.m);
  const b = randomArray(rng, e * c.m);
  const dy = randomArray(rng, rows * c.m);
  const make = () => ({
    x: tf.tensor2d(x, [rows, c.k]),
    w: tf.tensor3d(w, c.transposeW ? [e, c.m, c.k] : [e, c.k, c.m]),
    b: tf.tensor2d(b, [e, c.m]),
    dy: tf.tensor2d(dy, [rows, c.m]),
  });
  return { x, w, b, make };
}

describe('groupedMatMul', () => {
  it.each(CASES)('forward matches float64 loops on wasm and cpu: %o', async (c) => {
    const { x, w, b, make } = tensors(c, SEED);
    const f = () => {
      const t = make();
      return groupedMatMul(t.x, t.w, c.counts, { transposeW: c.transposeW, bias: c.bias ? t.b : undefined });
    };
    const expected = reference(c, x, w, b);
    expectClose(await runOn('wasm', f), [expected], 1e-5, `wasm, seed ${SEED}`);
    expectClose(await runOn('cpu', f), [expected], 1e-5, `cpu, seed ${SEED}`);
  });

  it.each(CASES)('gradients equal those of per-group tf.matMul (autograd) on wasm and cpu: %o', async (c) => {
    const { make } = tensors(c, SEED + 1);
    const grads = (useGrouped: boolean) => () => {
      const t = make();
      const f = (xv: tf.Tensor, wv: tf.Tensor, bv?: tf.Tensor) => {
        if (useGrouped)
          return tf.mul(
            groupedMatMul(xv as tf.Tensor2D, wv as tf.Tensor3D, c.counts, {
              transposeW: c.transposeW,
              bias: bv as tf.Tensor2D | undefined,
            }),
            t.dy,
          );
        let r = 0;
        const parts = c.counts.flatMap((n, g) => {
          const wg = tf.squeeze(tf.slice(wv, [g, 0, 0], [1, -1, -1]), [0]);
          const yg = tf.matMul(tf.slice(xv, [r, 0], [n, c.k]), wg, false, c.transposeW);
          r += n;
          return n === 0 ? [] : [bv ? tf.add(yg, tf.slice(bv, [g, 0], [1, c.m])) : yg];
        });
        return tf.mul(tf.concat(parts, 0), t.dy);
      };
      return c.bias
        ? tf.grads((xv, wv, bv) => tf.sum(f(xv!, wv!, bv!)))([t.x, t.w, t.b])
        : tf.grads((xv, wv) => tf.sum(f(xv!, wv!)))([t.x, t.w]);
    };
    for (const backend of ['wasm', 'cpu'] as const) {
      const expected = await runOn('cpu', grads(false));
      expectClose(await runOn(backend, grads(true)), expected, 1e-5, `${backend}, seed ${SEED + 1}`);
    }
  });

  it('gradients match central finite differences (float64 loss from the float32 op)', async () => {
    const c: Case = { counts: [3, 0, 4], k: 5, m: 6, transposeW: false, bias: true };
    const { make } = tensors(c, SEED + 2);
    await tf.setBackend('wasm');
    const t = make();
    const loss = (xv: tf.Tensor2D, wv: tf.Tensor3D, bv: tf.Tensor2D) =>
      tf.sum(tf.mul(tf.square(groupedMatMul(xv, wv, c.counts, { bias: bv })), 0.5));
    const [gx, gw, gb] = tf.grads((xv, wv, bv) => loss(xv as tf.Tensor2D, wv as tf.Tensor3D, bv as tf.Tensor2D))([
      t.x,
      t.w,
      t.b,
    ]);
    const h = 1e-2;
    for (const [which, g] of [
      [0, gx!],
      [1, gw!],
      [2, gb!],
    ] as const) {
      const base = [t.x, t.w, t.b][which]!;
      const values = base.dataSync().slice();
      const analytic = g.dataSync();
      for (const i of [0, Math.floor(values.length / 2), values.length - 1]) {
        const at = (delta: number) => {
          const v = values.slice();
          v[i]! += delta;
          const args = [t.x, t.w, t.b];
          args[which] = tf.tensor(v, base.shape) as never;
          const out = loss(args[0] as tf.Tensor2D, args[1] as tf.Tensor3D, args[2] as tf.Tensor2D).dataSync()[0]!;
          return out;
        };
        const numeric = (at(h) - at(-h)) / (2 * h);
        expect(Math.abs(numeric - analytic[i]!), `input ${which}, element ${i}, seed ${SEED + 2}`).toBeLessThan(
          2e-2 * Math.max(1, Math.abs(numeric)),
        );
      }
    }
  });

  it('groupedWeightGrad gives zeros for empty groups and x_gᵀ·dy_g otherwise', async () => {
    const rng = new Rng(SEED + 3);
    const counts = [2, 0, 3];
    const [a, b] = [randomArray(rng, 5 * 4), randomArray(rng, 5 * 3)];
    const f = () => groupedWeightGrad(tf.tensor2d(a, [5, 4]), tf.tensor2d(b, [5, 3]), counts);
    const expected = new Float64Array(3 * 4 * 3);
    [
      [0, 0, 2],
      [2, 2, 5],
    ].forEach(([g, r0, r1]) => {
      for (let i = 0; i < 4; i++)
        for (let j = 0; j < 3; j++)
          for (let r = r0!; r < r1!; r++) expected[g! * 12 + i * 3 + j]! += a[r * 4 + i]! * b[r * 3 + j]!;
    });
    expectClose(await runOn('wasm', f), [expected], 1e-6, `wasm, seed ${SEED + 3}`);
    expectClose(await runOn('cpu', f), [expected], 1e-6, `cpu, seed ${SEED + 3}`);
  });

  it('leaks no tensor and no backend data across forward and backward steps', async () => {
    const c = CASES[0]!;
    const { make } = tensors(c, SEED + 4);
    await tf.setBackend('wasm');
    const t = make();
    const step = () =>
      tf.dispose(
        tf.grads((xv, wv, bv) =>
          tf.sum(groupedMatMul(xv as tf.Tensor2D, wv as tf.Tensor3D, c.counts, { bias: bv as tf.Tensor2D })),
        )([t.x, t.w, t.b]),
      );
    step();
    const [tensorsBefore, idsBefore] = [tf.memory().numTensors, backendDataIds()];
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(backendDataIds()).toBe(idsBefore);
    tf.dispose(Object.values(t));
  });

  it('names the problem for bad shapes and counts', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([5, 4]) as tf.Tensor2D;
    const w = tf.zeros([2, 4, 6]) as tf.Tensor3D;
    expect(() => groupedMatMul(x, w, [3, 1])).toThrow(ConfigError);
    expect(() => groupedMatMul(x, w, [3, 1])).toThrow(/sum to 4, but x has 5 rows/);
    expect(() => groupedMatMul(x, w, [5])).toThrow(/2 non-negative integers/);
    expect(() => groupedMatMul(x, w, [3, 2], { transposeW: true })).toThrow(ShapeError);
    expect(() => groupedMatMul(x, w, [3, 2], { bias: tf.zeros([2, 4]) as tf.Tensor2D })).toThrow(/bias/);
    tf.dispose([x, w]);
  });
});
