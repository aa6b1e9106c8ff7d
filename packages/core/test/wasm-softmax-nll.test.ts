import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend, softmaxNll, softmaxNllGrad, softmaxNllGradOps, softmaxNllOps } from '@momentum-smoe/core';

const SEED = 7717;

beforeAll(async () => {
  const report = await initBackend({ backend: 'wasm' });
  expect(report.patches).toContain('MsmoeSoftmaxNll');
});

/** Float64 per-row log-sum-exp, NLL and gradient dy·(softmax − onehot). */
function reference(z: Float32Array, n: number, v: number, t: Int32Array, dy: Float32Array) {
  const lse = new Float64Array(n);
  const nll = new Float64Array(n);
  const grad = new Float64Array(n * v);
  for (let r = 0; r < n; r++) {
    const row = z.subarray(r * v, (r + 1) * v);
    const max = Math.max(...row);
    lse[r] = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
    nll[r] = lse[r]! - row[t[r]!]!;
    for (let j = 0; j < v; j++) grad[r * v + j] = dy[r]! * (Math.exp(row[j]! - lse[r]!) - (j === t[r] ? 1 : 0));
  }
  return { lse, nll, grad };
}

function maxAbsError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  return worst;
}

describe('softmaxNll / softmaxNllGrad (wasm SIMD kernels)', () => {
  // 37 columns: not a multiple of 4, so each row's one-at-a-time tail runs too; logits up to ±40 (no overflow)
  it.each([
    { n: 5, v: 37, spread: 3 },
    { n: 16, v: 1000, spread: 40 },
    { n: 3, v: 2, spread: 1 }, // rows shorter than one vector
  ])('match float64 loops and the tfjs-ops path: %o', ({ n, v, spread }) => {
    const rng = new Rng(SEED + v);
    const z = Float32Array.from(rng.uniformArray(n * v, -spread, spread));
    const t = Int32Array.from({ length: n }, () => rng.int(v));
    const dy = Float32Array.from(rng.uniformArray(n, -2, 2));
    const before = tf.memory().numTensors;
    const [logits, targets, tdy] = [tf.tensor2d(z, [n, v]), tf.tensor1d(t, 'int32'), tf.tensor1d(dy)];
    const ref = reference(z, n, v, t, dy);
    const fused = softmaxNll(logits, targets);
    const ops = softmaxNllOps(logits, targets);
    const grad = softmaxNllGrad(logits, fused.lse, targets, tdy);
    const gradOps = softmaxNllGradOps(logits, fused.lse, targets, tdy);
    const where = `seed ${SEED + v}`;
    const tol = 2e-6 * spread;
    expect(maxAbsError(fused.lse.dataSync(), ref.lse), where).toBeLessThan(tol);
    expect(maxAbsError(fused.nll.dataSync(), ref.nll), where).toBeLessThan(tol);
    expect(maxAbsError(fused.nll.dataSync(), ops.nll.dataSync()), where).toBeLessThan(tol);
    expect(maxAbsError(grad.dataSync(), ref.grad), where).toBeLessThan(1e-5);
    expect(maxAbsError(grad.dataSync(), gradOps.dataSync()), where).toBeLessThan(1e-5);
    tf.dispose([logits, targets, tdy, fused.nll, fused.lse, ops.nll, ops.lse, grad, gradOps]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
