import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend, layerNorm, layerNormOps } from '@momentum-smoe/core';

const SEED = 9091;

beforeAll(async () => {
  const report = await initBackend({ backend: 'wasm' });
  expect(report.patches).toContain('MsmoeLayerNorm');
});

/** Float64 layer norm of each row of x [rows, d]. */
function reference(
  x: Float32Array,
  rows: number,
  d: number,
  gamma: Float32Array,
  beta: Float32Array,
  eps: number,
): Float64Array {
  const y = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) {
    const row = Array.from(x.subarray(r * d, (r + 1) * d));
    const mean = row.reduce((s, v) => s + v, 0) / d;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / d;
    row.forEach((v, j) => (y[r * d + j] = ((v - mean) / Math.sqrt(variance + eps)) * gamma[j]! + beta[j]!));
  }
  return y;
}

function maxAbsError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  return worst;
}

describe('layerNorm (wasm SIMD kernels, forward and backward)', () => {
  // d = 6 is not a multiple of 4: the tfjs-ops path runs; the others run the kernels
  it.each([{ shape: [2, 3, 12] }, { shape: [5, 128] }, { shape: [4, 6] }])(
    'matches a float64 loop forward and the tfjs-ops autodiff backward: %o',
    ({ shape }) => {
      const rng = new Rng(SEED + shape.at(-1)!);
      const d = shape.at(-1)!;
      const size = tf.util.sizeFromShape(shape);
      const xs = Float32Array.from(rng.uniformArray(size, -2, 3));
      const [gs, bs] = [
        Float32Array.from(rng.uniformArray(d, 0.5, 1.5)),
        Float32Array.from(rng.uniformArray(d, -1, 1)),
      ];
      const before = tf.memory().numTensors;
      const [x, gamma, beta, w] = [
        tf.tensor(xs, shape),
        tf.tensor1d(gs),
        tf.tensor1d(bs),
        tf.tensor(rng.uniformArray(size, -1, 1), shape),
      ];
      const where = `seed ${SEED + d}`;
      const y = layerNorm(x, gamma, beta, 1e-5);
      expect(y.shape).toEqual(shape);
      expect(maxAbsError(y.dataSync(), reference(xs, size / d, d, gs, bs, 1e-5)), where).toBeLessThan(1e-5);
      // gradients of Σ w·y with respect to x, gamma, beta, fused against tfjs ops
      const loss = (f: typeof layerNorm) => (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(f(a, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5), w));
      const fused = tf.grads(loss(layerNorm))([x, gamma, beta]);
      const ops = tf.grads(loss(layerNormOps))([x, gamma, beta]);
      fused.forEach((g, i) => {
        expect(g.shape).toEqual(ops[i]!.shape);
        expect(maxAbsError(g.dataSync(), ops[i]!.dataSync()), `gradient ${i}, ${where}`).toBeLessThan(2e-5);
      });
      tf.dispose([x, gamma, beta, w, y, ...fused, ...ops]);
      expect(tf.memory().numTensors).toBe(before);
    },
  );
});
