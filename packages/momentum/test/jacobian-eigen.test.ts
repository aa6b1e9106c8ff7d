import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, Rng, initBackend } from '@momentum-smoe/core';
import { dominantEigenvalues } from '@momentum-smoe/momentum';
import { gaussian, matmul, symmetricWithEigenvalues } from './reference.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const D = 6;

describe('dominant eigenvalues of a layer Jacobian by power iteration', () => {
  const seed = 51;
  const rng = new Rng(seed);
  const eigs = [0.05, 0.3, -0.6, 0.9, -1.7, 2.6];
  const a = symmetricWithEigenvalues(eigs, rng);
  const x0 = gaussian(rng, D);

  for (const method of ['vjp', 'finite-difference'] as const) {
    it(`linear experts f(x) = x·A: the two largest-magnitude eigenvalues of A (${method}, seed ${seed})`, () => {
      const aT = tf.tensor2d(Float32Array.from(a), [D, D]);
      const x = tf.tensor2d(Float32Array.from(x0), [1, D]);
      // seed 7, not 51: the start must not be A's own eigenvectors
      const est = dominantEigenvalues((p) => tf.matMul(p, aT), x, { count: 2, method, seed: 7 });
      expect(est.converged).toBe(true);
      expect(est.values[0]).toBeCloseTo(2.6, 3);
      expect(est.values[1]).toBeCloseTo(-1.7, 3);
      tf.dispose([aT, x]);
    });
  }

  it(`a nonlinear gradient field f(x) = tanh(x·A)·A: matches the explicit Jacobian A·diag(1 − t²)·A (seed ${seed})`, () => {
    // reference: the Jacobian written out in float64, its dominant eigenvalue by 2000 plain power steps
    const t = matmul(x0, a, 1, D, D).map(Math.tanh);
    const jac = new Float64Array(D * D);
    for (let i = 0; i < D; i++)
      for (let j = 0; j < D; j++) {
        let s = 0;
        for (let k = 0; k < D; k++) s += a[i * D + k]! * (1 - t[k]! ** 2) * a[k * D + j]!;
        jac[i * D + j] = s;
      }
    let v: Float64Array = new Float64Array(D).fill(1);
    let lambda = 0;
    for (let it = 0; it < 2000; it++) {
      const w = matmul(jac, v, D, D, 1);
      lambda = w.reduce((s, wi, i) => s + wi * v[i]!, 0);
      const n = Math.hypot(...w);
      v = w.map((wi) => wi / n);
    }
    const aT = tf.tensor2d(Float32Array.from(a), [D, D]);
    const x = tf.tensor2d(Float32Array.from(x0), [1, D]);
    const fn = (p: tf.Tensor) => tf.matMul(tf.tanh(tf.matMul(p as tf.Tensor2D, aT)), aT);
    const before = tf.memory().numTensors;
    const est = dominantEigenvalues(fn, x, { seed: 7 });
    expect(tf.memory().numTensors).toBe(before);
    expect(est.values[0]).toBeCloseTo(lambda, 3);
    expect(est.residuals[0]).toBeLessThan(1e-2);
    tf.dispose([aT, x]);
  });

  it('per-token layers: an eigenvalue repeats once per token', () => {
    const aT = tf.tensor2d(Float32Array.from(a), [D, D]);
    const x = tf.tensor2d(Float32Array.from(gaussian(new Rng(52), 3 * D)), [3, D]);
    const est = dominantEigenvalues((p) => tf.matMul(p, aT), x, { count: 4, seed: 52 });
    expect(est.values.slice(0, 3).map((v) => Number(v.toFixed(3)))).toEqual([2.6, 2.6, 2.6]);
    expect(est.values[3]).toBeCloseTo(-1.7, 3);
    tf.dispose([aT, x]);
  });

  it('count beyond the size of x is a ConfigError', () => {
    const x = tf.zeros([1, 2]);
    expect(() => dominantEigenvalues((p) => p, x, { count: 3 })).toThrow(ConfigError);
    x.dispose();
  });
});
