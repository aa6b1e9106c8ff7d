import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend, relativeSoftmax, relativeSoftmaxOps, skewOps } from '@momentum-smoe/core';
import { forceKernelBuild } from '../src/wasm/simd/simd-module.js';

const SEED = 6163;

beforeAll(async () => {
  const report = await initBackend({ backend: 'wasm' });
  expect(report.patches).toContain('MsmoeRelativeSoftmax');
});

/** Float64: probs[b, i, j] = softmax_j(scale·(qk[b, i, i + j] + pos[b, i, j])). */
function reference(qk: Float32Array, pos: Float32Array, n: number, m: number, l: number, scale: number): Float64Array {
  const out = new Float64Array(n * m * l);
  for (let r = 0; r < n * m; r++) {
    const i = r % m;
    const s = Array.from({ length: l }, (_, j) => scale * (qk[r * (l + m) + i + j]! + pos[r * l + j]!));
    const max = Math.max(...s);
    const sum = s.reduce((t, x) => t + Math.exp(x - max), 0);
    s.forEach((x, j) => (out[r * l + j] = Math.exp(x - max) / sum));
  }
  return out;
}

function maxAbsError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  return worst;
}

describe('relativeSoftmax (wasm SIMD kernels, forward and backward)', () => {
  // m = 6 is not a multiple of 4: the tfjs-ops path runs; the others run the kernels
  it.each([
    { n: 3, m: 4, l: 8 },
    { n: 2, m: 8, l: 4 },
    { n: 2, m: 6, l: 8 },
  ])('matches a float64 loop forward and the tfjs-ops autodiff backward: %o', ({ n, m, l }) => {
    const rng = new Rng(SEED + 10 * m + l);
    const where = `seed ${SEED + 10 * m + l}`;
    const qkData = Float32Array.from(rng.uniformArray(n * m * (l + m), -3, 3));
    const posData = Float32Array.from(rng.uniformArray(n * m * l, -3, 3));
    const before = tf.memory().numTensors;
    const [qk, pos, w] = [
      tf.tensor3d(qkData, [n, m, l + m]),
      tf.tensor3d(posData, [n, m, l]),
      tf.tensor3d(rng.uniformArray(n * m * l, -1, 1), [n, m, l]),
    ];
    const probs = relativeSoftmax(qk, pos, 0.7);
    expect(maxAbsError(probs.dataSync(), reference(qkData, posData, n, m, l, 0.7)), where).toBeLessThan(1e-6);
    const loss = (f: typeof relativeSoftmax) => (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(f(a as tf.Tensor3D, b as tf.Tensor3D, 0.7), w));
    const fused = tf.grads(loss(relativeSoftmax))([qk, pos]);
    const ops = tf.grads(loss(relativeSoftmaxOps))([qk, pos]);
    fused.forEach((g, i) => {
      expect(g.shape).toEqual(ops[i]!.shape);
      expect(maxAbsError(g.dataSync(), ops[i]!.dataSync()), `gradient ${i}, ${where}`).toBeLessThan(1e-6);
    });
    tf.dispose([qk, pos, w, probs, ...fused, ...ops]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('relativeSoftmax with skewed output (wasm SIMD kernels, both builds)', () => {
  // m = 6: the tfjs-ops path (skewOps of relativeSoftmaxOps); the others run the kernels
  it.each([
    { n: 3, m: 4, l: 8 },
    { n: 2, m: 8, l: 4 },
    { n: 2, m: 6, l: 8 },
  ])('places the float64 probabilities at columns i .. i+L−1 (zeros elsewhere); gradients as tfjs ops: %o', (shape) => {
    const { n, m, l } = shape;
    const seed = SEED + 100 * m + l;
    const rng = new Rng(seed);
    const qkData = Float32Array.from(rng.uniformArray(n * m * (l + m), -3, 3));
    const posData = Float32Array.from(rng.uniformArray(n * m * l, -3, 3));
    const flat = reference(qkData, posData, n, m, l, 0.7);
    const want = new Float64Array(n * m * (l + m)); // skewed by hand: row r, query i = r mod m
    for (let r = 0; r < n * m; r++) for (let j = 0; j < l; j++) want[r * (l + m) + (r % m) + j] = flat[r * l + j]!;
    const wData = rng.uniformArray(n * m * (l + m), -1, 1);
    for (const build of ['relaxed', 'plain'] as const) {
      forceKernelBuild(build);
      const where = `${build} build, seed ${seed}`;
      const before = tf.memory().numTensors;
      const [qk, pos, w] = [
        tf.tensor3d(qkData, [n, m, l + m]),
        tf.tensor3d(posData, [n, m, l]),
        tf.tensor3d(wData, [n, m, l + m]),
      ];
      const probs = relativeSoftmax(qk, pos, 0.7, { skewed: true });
      expect(probs.shape).toEqual([n, m, l + m]);
      const got = probs.dataSync();
      expect(maxAbsError(got, want), where).toBeLessThan(1e-6);
      want.forEach((v, k) => v === 0 && expect(got[k], `zero at ${k}, ${where}`).toBe(0));
      const fusedLoss = (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(relativeSoftmax(a as tf.Tensor3D, b as tf.Tensor3D, 0.7, { skewed: true }), w));
      const opsLoss = (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(skewOps(relativeSoftmaxOps(a as tf.Tensor3D, b as tf.Tensor3D, 0.7)), w));
      const fused = tf.grads(fusedLoss)([qk, pos]);
      const ops = tf.grads(opsLoss)([qk, pos]);
      fused.forEach((g, i) => {
        expect(g.shape).toEqual(ops[i]!.shape);
        expect(maxAbsError(g.dataSync(), ops[i]!.dataSync()), `gradient ${i}, ${where}`).toBeLessThan(1e-6);
      });
      tf.dispose([qk, pos, w, probs, ...fused, ...ops]);
      expect(tf.memory().numTensors).toBe(before);
    }
    forceKernelBuild(null);
  });
});
