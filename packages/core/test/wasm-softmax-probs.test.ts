import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Rng,
  initBackend,
  softmaxProbsNllGrad,
  softmaxProbsNllGradOps,
  softmaxWithNll,
  softmaxWithNllOps,
} from '@momentum-smoe/core';
import { forceKernelBuild } from '../src/wasm/simd/simd-module.js';

const SEED = 8123;

beforeAll(async () => {
  const report = await initBackend({ backend: 'wasm' });
  expect(report.patches).toContain('MsmoeSoftmaxWithNll');
});
afterAll(() => forceKernelBuild(null));

/** Float64 NLL, softmax, gradient dy·(softmax − onehot) and its column sums. */
function reference(z: Float32Array, n: number, v: number, t: Int32Array, dy: Float32Array) {
  const nll = new Float64Array(n);
  const probs = new Float64Array(n * v);
  const grad = new Float64Array(n * v);
  const sums = new Float64Array(v);
  for (let r = 0; r < n; r++) {
    const row = z.subarray(r * v, (r + 1) * v);
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
    nll[r] = lse - row[t[r]!]!;
    for (let j = 0; j < v; j++) {
      probs[r * v + j] = Math.exp(row[j]! - lse);
      grad[r * v + j] = dy[r]! * (probs[r * v + j]! - (j === t[r] ? 1 : 0));
      sums[j]! += grad[r * v + j]!;
    }
  }
  return { nll, probs, grad, sums };
}

function maxAbsError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  return worst;
}

describe('softmaxWithNll / softmaxProbsNllGrad (wasm SIMD kernels, both builds, and the tfjs-ops path)', () => {
  // 37 columns: each row's one-at-a-time tail runs too; rows shorter than one vector; logits up to ±40
  it.each([
    { n: 5, v: 37, spread: 3 },
    { n: 16, v: 1000, spread: 40 },
    { n: 3, v: 2, spread: 1 },
  ])('match float64 loops: %o', ({ n, v, spread }) => {
    const seed = SEED + v;
    const rng = new Rng(seed);
    const z = Float32Array.from(rng.uniformArray(n * v, -spread, spread));
    const t = Int32Array.from({ length: n }, () => rng.int(v));
    const dy = Float32Array.from(rng.uniformArray(n, -2, 2));
    const ref = reference(z, n, v, t, dy);
    const tol = 2e-6 * spread;
    for (const path of ['relaxed', 'plain', 'ops'] as const) {
      forceKernelBuild(path === 'ops' ? null : path);
      const where = `${path}, seed ${seed}`;
      const before = tf.memory().numTensors;
      const [logits, targets, tdy] = [tf.tensor2d(z, [n, v]), tf.tensor1d(t, 'int32'), tf.tensor1d(dy)];
      const forward = path === 'ops' ? softmaxWithNllOps(logits, targets) : softmaxWithNll(logits, targets);
      const grad = (path === 'ops' ? softmaxProbsNllGradOps : softmaxProbsNllGrad)(forward.probs, targets, tdy);
      expect(maxAbsError(forward.nll.dataSync(), ref.nll), where).toBeLessThan(tol);
      expect(maxAbsError(forward.probs.dataSync(), ref.probs), where).toBeLessThan(1e-6);
      expect(maxAbsError(grad.dLogits.dataSync(), ref.grad), where).toBeLessThan(1e-5);
      expect(maxAbsError(grad.columnSums.dataSync(), ref.sums), where).toBeLessThan(1e-5 * n);
      tf.dispose([logits, targets, tdy, forward.nll, forward.probs, grad.dLogits, grad.columnSums]);
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('the kernels run on wasm (not the ops path)', async () => {
    const [logits, targets, dy] = [
      tf.randomNormal([4, 9]) as tf.Tensor2D,
      tf.tensor1d([0, 3, 8, 1], 'int32'),
      tf.ones([4]),
    ];
    const profile = await tf.profile(() => {
      const { nll, probs } = softmaxWithNll(logits, targets);
      const { dLogits, columnSums } = softmaxProbsNllGrad(probs, targets, dy as tf.Tensor1D);
      tf.dispose([nll, probs, dLogits, columnSums]);
    });
    expect(profile.kernelNames).toEqual(['MsmoeSoftmaxWithNll', 'MsmoeSoftmaxProbsNllGrad']);
    tf.dispose([logits, targets, dy]);
  });
});
