import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import { projectedNll } from '../src/index.js';
import { matmul, type Mat } from './lm-reference.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** Random h [N, H], W [H, V], b [V] (scaled so that the softmax is far from uniform) and targets [N]. */
function problem(seed: number, n: number, hidden: number, v: number) {
  const rng = new Rng(seed);
  const h = Array.from(rng.normalArray(n * hidden));
  const w = Array.from(rng.normalArray(hidden * v), (x) => 2 * x);
  const b = Array.from(rng.normalArray(v));
  const targets = Array.from({ length: n }, (_, i) => (i === 1 ? 0 : rng.int(v))); // row 1 hits column 0
  targets[n - 1] = v - 1; // and the last row the last column, where flat-index slips would show
  const rows = (flat: number[], cols: number): Mat =>
    Array.from({ length: flat.length / cols }, (_, r) => flat.slice(r * cols, (r + 1) * cols));
  return { h, w, b, targets, hMat: rows(h, hidden), wMat: rows(w, v) };
}

/** Float64 closed forms: mean NLL and its gradients scaled by dy, from z = h·W + b. */
function naiveHead(hMat: Mat, wMat: Mat, b: number[], targets: number[], dy: number) {
  const n = hMat.length;
  const z = matmul(hMat, wMat).map((row) => row.map((x, j) => x + b[j]!));
  let nll = 0;
  const dz = z.map((row, i) => {
    const mx = Math.max(...row);
    const lse = mx + Math.log(row.reduce((a, x) => a + Math.exp(x - mx), 0));
    nll += (lse - row[targets[i]!]!) / n;
    return row.map((x, j) => (dy * (Math.exp(x - lse) - (j === targets[i] ? 1 : 0))) / n);
  });
  const dh = dz.map((row) => wMat.map((wRow) => wRow.reduce((a, x, j) => a + x * row[j]!, 0)));
  const dw = wMat.map((wRow, k) => wRow.map((_, j) => hMat.reduce((a, hRow, i) => a + hRow[k]! * dz[i]![j]!, 0)));
  const db = b.map((_, j) => dz.reduce((a, row) => a + row[j]!, 0));
  return { nll, dh, dw, db };
}

describe('projectedNll', () => {
  it.each([
    [41, 6, 5, 7, 1],
    [42, 9, 4, 13, 2.5],
  ])(
    'value and gradients (dy scaled) equal the float64 closed form (seed %i, N=%i, H=%i, V=%i, dy=%f)',
    (seed, n, hidden, v, dy) => {
      const { h, w, b, targets, hMat, wMat } = problem(seed, n, hidden, v);
      const want = naiveHead(hMat, wMat, b, targets, dy);
      const [hT, wT, bT] = [tf.tensor2d(h, [n, hidden]), tf.tensor2d(w, [hidden, v]), tf.tensor1d(b)];
      const tT = tf.tensor1d(targets, 'int32');
      const value = projectedNll(hT, wT, bT, tT);
      expect(value.dataSync()[0], `seed ${seed}`).toBeCloseTo(want.nll, 4);
      const grads = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
        tf.mul(projectedNll(a as tf.Tensor2D, c as tf.Tensor2D, d as tf.Tensor1D, tT), dy),
      )([hT, wT, bT]);
      const [dh, dw, db] = grads.map((g) => g.arraySync());
      const close = (got: unknown, expected: unknown, what: string) => {
        const g = [got].flat(2) as number[];
        const e = [expected].flat(2) as number[];
        expect(g.length, what).toBe(e.length);
        g.forEach((x, i) => expect(x, `seed ${seed} ${what}[${i}]`).toBeCloseTo(e[i]!, 5));
      };
      close(dh, want.dh, 'dh');
      close(dw, want.dw, 'dw');
      close(db, want.db, 'db');
      tf.dispose([hT, wT, bT, tT, value, ...grads]);
    },
  );

  it('agrees with logSoftmax + one-hot and its autodiff on a wider vocabulary (seed 43)', () => {
    const [n, hidden, v] = [32, 8, 301];
    const { h, w, b, targets } = problem(43, n, hidden, v);
    const [hT, wT, bT] = [tf.tensor2d(h, [n, hidden]), tf.tensor2d(w, [hidden, v]), tf.tensor1d(b)];
    const tT = tf.tensor1d(targets, 'int32');
    const plain = (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
      tf.neg(
        tf.mean(
          tf.sum(tf.mul(tf.logSoftmax(tf.add(tf.matMul(a as tf.Tensor2D, c as tf.Tensor2D), d)), tf.oneHot(tT, v)), -1),
        ),
      );
    const fused = (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
      projectedNll(a as tf.Tensor2D, c as tf.Tensor2D, d as tf.Tensor1D, tT);
    const want = tf.valueAndGrads(plain)([hT, wT, bT]);
    const got = tf.valueAndGrads(fused)([hT, wT, bT]);
    const diff = (x: tf.Tensor, y: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(x, y))).dataSync()[0]!);
    expect(diff(got.value, want.value)).toBeLessThan(1e-5);
    got.grads.forEach((g, i) => expect(diff(g, want.grads[i]!), `grad ${i} seed 43`).toBeLessThan(1e-6));
    tf.dispose([hT, wT, bT, tT, want.value, got.value, ...want.grads, ...got.grads]);
  });

  it('rejects mismatched shapes with the fix in the message, and leaks no tensors (seed 44)', () => {
    const { h, w, b, targets } = problem(44, 4, 3, 5);
    const [hT, wT, bT] = [tf.tensor2d(h, [4, 3]), tf.tensor2d(w, [3, 5]), tf.tensor1d(b)];
    const tT = tf.tensor1d(targets, 'int32');
    expect(() => projectedNll(hT, wT, bT, tf.tensor1d([1, 2], 'int32'))).toThrow(/targets \(one per row of h\)/);
    expect(() => projectedNll(hT, tf.transpose(wT), bT, tT)).toThrow(/weight \(hidden × vocab\)/);
    const step = () => {
      const { value, grads } = tf.variableGrads(() => projectedNll(hT, wV, bT, tT), [wV]);
      tf.dispose([value, ...Object.values(grads)]);
    };
    const wV = tf.variable(wT);
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([hT, wT, bT, tT, wV]);
  });
});
