/**
 * Diagnostics: the dominant eigenvalues of a layer's Jacobian at a point, by power (subspace) iteration on
 * Jacobian products, to place a trained layer's spectrum against {@link stability}.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, Rng } from '@momentum-smoe/core';

/** Options of {@link dominantEigenvalues}. */
export interface JacobianEigenOptions {
  /** How many eigenvalues to estimate, largest magnitude first (default 1). */
  count?: number;
  /** Iteration limit (default 200). */
  maxIterations?: number;
  /**
   * Stop when every estimate moves less than `tolerance · max(1, |λ|)` in one iteration (default 1e−5 with `vjp`,
   * 1e−4 with finite differences, above the float32 noise of each).
   */
  tolerance?: number;
  /**
   * How products with the Jacobian J are formed: `vjp` (default) uses `tf.grad` for Jᵀu (same eigenvalues as J);
   * `finite-difference` uses (f(x + εv) − f(x − εv)) / 2ε for Jv, and works for functions without gradients.
   */
  method?: 'vjp' | 'finite-difference';
  /** Step ε of the finite differences, along a unit vector (default 1e−2). */
  epsilon?: number;
  /** Seed of the random start vectors (default 0). */
  seed?: number;
}

/** What {@link dominantEigenvalues} found. */
export interface JacobianEigenEstimate {
  /** Eigenvalue estimates (Rayleigh quotients), by decreasing magnitude. */
  values: number[];
  /** ‖Mq − λq‖ for each estimate, with M = Jᵀ (vjp) or J (finite differences) and q its unit vector. */
  residuals: number[];
  /** Iterations run. */
  iterations: number;
  /** Whether the tolerance was met before the iteration limit. */
  converged: boolean;
}

/**
 * Estimates the dominant eigenvalues of J = ∂fn/∂x at `x` (over all entries of `x` flattened) by subspace
 * iteration with Gram–Schmidt re-orthonormalisation, using only Jacobian products. Exact for symmetric J (gradient
 * fields, e.g. linear experts with symmetric weights); for non-symmetric J the Rayleigh quotients approximate the
 * real eigenvalues of largest magnitude. Reads data to the host every iteration: for diagnostics, not training.
 * A per-token layer's Jacobian is block diagonal, so each eigenvalue appears once per token that has it.
 * @example
 * ```ts
 * const { values } = dominantEigenvalues((p) => moe.apply(p).y, x, { count: 2 });
 * values.map((l) => stability(new HeavyBall(), l));
 * ```
 */
export function dominantEigenvalues(
  fn: (x: tf.Tensor) => tf.Tensor,
  x: tf.Tensor,
  options: JacobianEigenOptions = {},
): JacobianEigenEstimate {
  const { count = 1, maxIterations = 200, method = 'vjp', epsilon = 1e-2, seed = 0 } = options;
  const tolerance = options.tolerance ?? (method === 'vjp' ? 1e-5 : 1e-4);
  const n = x.size;
  if (!Number.isInteger(count) || count < 1 || count > n) {
    throw new ConfigError(`dominantEigenvalues: count must be an integer in [1, ${n}] (the size of x), got ${count}`);
  }
  const apply = method === 'vjp' ? vjpProduct(fn, x) : finiteDifferenceProduct(fn, x, epsilon);
  const rng = new Rng(seed);
  let basis = orthonormalise(Array.from({ length: count }, () => Float64Array.from(rng.normalArray(n))));
  let values = new Array<number>(count).fill(Number.NaN);
  let images: Float64Array[] = [];
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations && !converged) {
    iterations++;
    images = basis.map(apply);
    const next = basis.map((q, i) => dot(q, images[i]!));
    converged = next.every((v, i) => Math.abs(v - values[i]!) <= tolerance * Math.max(1, Math.abs(v)));
    values = next;
    if (!converged) basis = orthonormalise(images);
  }
  const residuals = basis.map((q, i) => {
    let s = 0;
    const image = images[i]!;
    for (let j = 0; j < n; j++) s += (image[j]! - values[i]! * q[j]!) ** 2;
    return Math.sqrt(s);
  });
  const order = values.map((_, i) => i).sort((i, j) => Math.abs(values[j]!) - Math.abs(values[i]!));
  return { values: order.map((i) => values[i]!), residuals: order.map((i) => residuals[i]!), iterations, converged };
}

/** v ↦ Jᵀv through one reverse-mode pass. */
function vjpProduct(fn: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): (v: Float64Array) => Float64Array {
  return (v) => {
    const u = Float32Array.from(v);
    const g = tf.tidy(() => tf.grad((z: tf.Tensor) => tf.sum(tf.mul(fn(z), tf.tensor(u, x.shape, 'float32'))))(x));
    const out = Float64Array.from(g.dataSync());
    g.dispose();
    return out;
  };
}

/** v ↦ Jv by central differences along the unit vector v. */
function finiteDifferenceProduct(
  fn: (x: tf.Tensor) => tf.Tensor,
  x: tf.Tensor,
  epsilon: number,
): (v: Float64Array) => Float64Array {
  return (v) => {
    const diff = tf.tidy(() => {
      const step = tf.mul(tf.tensor(Float32Array.from(v), x.shape, 'float32'), epsilon);
      return tf.sub(fn(tf.add(x, step)), fn(tf.sub(x, step)));
    });
    const data = diff.dataSync();
    const out = new Float64Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = data[i]! / (2 * epsilon);
    diff.dispose();
    return out;
  };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Modified Gram–Schmidt; a vector that collapses (J has rank < count) is replaced by a unit axis orthogonal to the
 * rest.
 */
function orthonormalise(vectors: Float64Array[]): Float64Array[] {
  const out: Float64Array[] = [];
  const project = (v: Float64Array): number => {
    for (const q of out) {
      const c = dot(q, v);
      for (let j = 0; j < v.length; j++) v[j] = v[j]! - c * q[j]!;
    }
    return Math.sqrt(dot(v, v));
  };
  for (const v0 of vectors) {
    let v = Float64Array.from(v0);
    let norm = project(v);
    if (!(norm > 1e-12 * Math.sqrt(dot(v0, v0)))) {
      for (let axis = 0; axis < v.length; axis++) {
        v = new Float64Array(v0.length);
        v[axis] = 1;
        norm = project(v);
        if (norm > 0.1) break;
      }
    }
    for (let j = 0; j < v.length; j++) v[j] = v[j]! / norm;
    out.push(v);
  }
  return out;
}
