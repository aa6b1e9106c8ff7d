/**
 * Float64 reference implementations for the tests, written independently of the tfjs code: matrices are
 * row-major Float64Arrays, x is [T, d].
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@momentum-smoe/core';

export type Vec = Float64Array;

/** Random symmetric d×d matrix Q diag(eigs) Qᵀ (Q from Gram–Schmidt on Gaussian columns). */
export function symmetricWithEigenvalues(eigs: number[], rng: Rng): Vec {
  const d = eigs.length;
  const q: Vec[] = [];
  while (q.length < d) {
    const v = Float64Array.from(rng.normalArray(d));
    for (const u of q) {
      const c = u.reduce((s, ui, i) => s + ui * v[i]!, 0);
      for (let i = 0; i < d; i++) v[i] = v[i]! - c * u[i]!;
    }
    const n = Math.hypot(...v);
    if (n > 1e-6) q.push(v.map((vi) => vi / n));
  }
  const a = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += q[k]![i]! * eigs[k]! * q[k]![j]!;
      a[i * d + j] = s;
    }
  return a;
}

/** Gaussian array of n entries scaled by `std`. */
export function gaussian(rng: Rng, n: number, std = 1): Vec {
  return Float64Array.from(rng.normalArray(n)).map((v) => v * std);
}

/** x [T, k] times w [k, n]. */
export function matmul(x: Vec, w: Vec, t: number, k: number, n: number): Vec {
  const out = new Float64Array(t * n);
  for (let r = 0; r < t; r++)
    for (let c = 0; c < n; c++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += x[r * k + i]! * w[i * n + c]!;
      out[r * n + c] = s;
    }
  return out;
}

/** Elementwise a·x + b·y. */
export function axpby(a: number, x: Vec, b: number, y: Vec): Vec {
  return x.map((xi, i) => a * xi + b * y[i]!);
}

/** Row-wise layer norm without affine parameters: (x − mean) / √(var + eps). */
export function layerNorm(x: Vec, d: number, eps = 1e-5): Vec {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / d; r++) {
    let mean = 0;
    for (let i = 0; i < d; i++) mean += x[r * d + i]! / d;
    let variance = 0;
    for (let i = 0; i < d; i++) variance += (x[r * d + i]! - mean) ** 2 / d;
    for (let i = 0; i < d; i++) out[r * d + i] = (x[r * d + i]! - mean) / Math.sqrt(variance + eps);
  }
  return out;
}

/** The same layer norm in tfjs (the model supplies its own; this stands in for it). */
export function tfLayerNorm(x: tf.Tensor, eps = 1e-5): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps)));
}

/** Largest |difference| relative to the largest |reference| entry. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return diff / Math.max(scale, 1e-30);
}

/** Euclidean norm of several vectors together. */
export function jointNorm(...vs: ArrayLike<number>[]): number {
  let s = 0;
  for (const v of vs) for (let i = 0; i < v.length; i++) s += v[i]! ** 2;
  return Math.sqrt(s);
}

/** Least-squares slope of log(values[t]) over t, as a per-step rate exp(slope). */
export function fittedRate(values: number[]): number {
  const ys = values.map(Math.log);
  const n = ys.length;
  const tMean = (n - 1) / 2;
  const yMean = ys.reduce((s, y) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (let t = 0; t < n; t++) {
    num += (t - tMean) * (ys[t]! - yMean);
    den += (t - tMean) ** 2;
  }
  return Math.exp(num / den);
}
