import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, Rng, ShapeError, initBackend } from '@momentum-smoe/core';
import {
  AdamRule,
  HeavyBall,
  PlainResidual,
  RobustMomentum,
  robustMomentumCoefficients,
  type ResidualRule,
} from '@momentum-smoe/momentum';
import { axpby, gaussian, matmul, relativeError, symmetricWithEigenvalues, type Vec } from './reference.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const T = 3;
const D = 5;

/** Runs `rule` for `layers` steps with the linear experts f(x) = x·A; returns x after each layer. */
function trajectory(rule: ResidualRule, x0: Vec, a: Vec, layers: number): Float32Array[] {
  const stacked = tf.tidy(() => {
    const aT = tf.tensor2d(Float32Array.from(a), [D, D]);
    const f = (p: tf.Tensor) => tf.matMul(p, aT);
    let x: tf.Tensor = tf.tensor2d(Float32Array.from(x0), [T, D]);
    let state = rule.initState(x);
    const out: tf.Tensor[] = [];
    for (let layer = 0; layer < layers; layer++) {
      ({ x, state } = rule.step(x, f, state, { layer }));
      out.push(x);
    }
    return tf.stack(out);
  });
  const data = stacked.dataSync() as Float32Array;
  stacked.dispose();
  return Array.from({ length: layers }, (_, l) => data.subarray(l * T * D, (l + 1) * T * D));
}

describe('paper-form rules on linear experts f(x) = x·A (float64 recurrences)', () => {
  const layers = 40;
  for (const seed of [11, 12]) {
    const rng = new Rng(seed);
    const a = symmetricWithEigenvalues([0.05, 0.3, 0.8, 1.4, 2.2], rng); // positive definite: f is a gradient
    const x0 = gaussian(rng, T * D);
    const fx = (x: Vec) => matmul(x, a, T, D, D);

    it(`HeavyBall(μ=0.7, γ=0.9) matches p = −f + μp, x += γp (seed ${seed})`, () => {
      const got = trajectory(new HeavyBall({ mu: 0.7, gamma: 0.9 }), x0, a, layers);
      let x = x0;
      let p: Vec = new Float64Array(T * D);
      for (let l = 0; l < layers; l++) {
        p = axpby(-1, fx(x), 0.7, p);
        x = axpby(1, x, 0.9, p);
        expect(relativeError(got[l]!, x), `seed ${seed} layer ${l}`).toBeLessThan(1e-4);
      }
    });

    it(`PlainResidual(γ=0.4) with f = −x·A matches x + γf (seed ${seed})`, () => {
      const got = trajectory(
        new PlainResidual({ gamma: 0.4 }),
        x0,
        a.map((v) => -v),
        layers,
      );
      let x = x0;
      for (let l = 0; l < layers; l++) {
        x = axpby(1, x, -0.4, fx(x));
        expect(relativeError(got[l]!, x), `seed ${seed} layer ${l}`).toBeLessThan(1e-4);
      }
    });

    it(`AdamRule(μ=0.9, β=0.999, γ=0.05) matches the Adam recurrence without bias correction (seed ${seed})`, () => {
      const got = trajectory(new AdamRule({ mu: 0.9, beta: 0.999, gamma: 0.05, eps: 1e-8 }), x0, a, layers);
      let x = x0;
      let p: Vec = new Float64Array(T * D);
      let m: Vec = new Float64Array(T * D);
      for (let l = 0; l < layers; l++) {
        const f = fx(x);
        p = axpby(0.9, p, 0.1, f);
        m = m.map((mi, i) => 0.999 * mi + 0.001 * f[i]! * f[i]!);
        x = x.map((xi, i) => xi - (0.05 * p[i]!) / Math.sqrt(m[i]! + 1e-8));
        expect(relativeError(got[l]!, x), `seed ${seed} layer ${l}`).toBeLessThan(1e-4);
      }
    });

    it(`RobustMomentum(κ=1.25, ρ=0.2) matches the look-ahead recurrence (seed ${seed})`, () => {
      // a, b, c restated from Cyrus et al. (2018), not read from the code under test
      const k = 1.25;
      const r = 0.2;
      const step = k * (1 - r) ** 2 * (1 + r);
      const mom = (k * r ** 3) / (k - 1);
      const look = r ** 3 / ((k - 1) * (1 - r) ** 2 * (1 + r));
      const got = trajectory(
        new RobustMomentum({ kappa: k, rho: r, L: 1 }),
        x0,
        a.map((v) => v / 2.2),
        12,
      );
      const f = (x: Vec) => matmul(x, a, T, D, D).map((v) => v / 2.2);
      let x = x0;
      let p: Vec = new Float64Array(T * D);
      for (let l = 0; l < 12; l++) {
        const y = axpby(1, x, look * step, p);
        p = axpby(-1, f(y), mom, p);
        x = axpby(1, x, step, p);
        expect(relativeError(got[l]!, x), `seed ${seed} layer ${l}`).toBeLessThan(1e-4);
      }
    });
  }
});

describe('sign convention', () => {
  it('HeavyBall with μ = 0 equals PlainResidual applied to −f (seed 21)', () => {
    const rng = new Rng(21);
    const a = symmetricWithEigenvalues([0.2, 0.5, 0.9, 1.1, 1.3], rng);
    const x0 = gaussian(rng, T * D);
    const heavy = trajectory(new HeavyBall({ mu: 0, gamma: 0.6 }), x0, a, 6);
    const plain = trajectory(
      new PlainResidual({ gamma: 0.6 }),
      x0,
      a.map((v) => -v),
      6,
    );
    for (let l = 0; l < 6; l++) expect(relativeError(heavy[l]!, plain[l]!), `layer ${l}`).toBeLessThan(1e-6);
    // and μ = 0 really is a different rule from PlainResidual on the same f
    const samef = trajectory(new PlainResidual({ gamma: 0.6 }), x0, a, 1);
    expect(relativeError(samef[0]!, heavy[0]!)).toBeGreaterThan(0.1);
  });
});

describe('robust momentum coefficients', () => {
  it('equal the closed forms, and the V-MoE values at κ = 1.25, ρ = 0.2, L = 1', () => {
    const c = robustMomentumCoefficients({ kappa: 1.25, rho: 0.2, L: 1 });
    expect(c.a).toBeCloseTo(0.96, 12);
    expect(c.b).toBeCloseTo(0.04, 12);
    expect(c.c).toBeCloseTo(0.041667, 6);
    expect(c.c * c.a).toBeCloseTo(0.04, 12);
    for (const [kappa, rho, L] of [
      [4, 0.6, 2],
      [10, 0.8, 1],
      [100, 0.95, 3],
    ] as const) {
      const got = robustMomentumCoefficients({ kappa, rho, L });
      expect(got.a, `a at κ=${kappa}`).toBeCloseTo((kappa * (1 - rho) ** 2 * (1 + rho)) / L, 12);
      expect(got.b, `b at κ=${kappa}`).toBeCloseTo((kappa * rho ** 3) / (kappa - 1), 12);
      expect(got.c, `c at κ=${kappa}`).toBeCloseTo(rho ** 3 / ((kappa - 1) * (1 - rho) ** 2 * (1 + rho)), 12);
    }
  });
  it('rejects ρ outside [1 − 1/√κ, 1 − 1/κ], κ ≤ 1 and L ≤ 0 with a ConfigError naming the interval', () => {
    expect(() => new RobustMomentum({ kappa: 1.25, rho: 0.3 })).toThrow(ConfigError);
    expect(() => new RobustMomentum({ kappa: 1.25, rho: 0.1 })).toThrow(/\[0\.105573, 0\.200000\]/);
    expect(() => new RobustMomentum({ kappa: 1, rho: 0 })).toThrow(/kappa must be/);
    expect(() => new RobustMomentum({ kappa: 4, rho: 0.6, L: 0 })).toThrow(/L must be/);
    expect(() => new RobustMomentum({ kappa: 4, rho: 0.5 })).not.toThrow(); // left end 1 − 1/√4
  });
});

describe('input checks', () => {
  it('a missing state names initState; a wrong f shape is a ShapeError', () => {
    const rule = new HeavyBall();
    tf.tidy(() => {
      const x = tf.zeros([2, 4]);
      expect(() => rule.step(x, (p) => p, {}, { layer: 0 })).toThrow(/initState/);
      expect(() => rule.step(x, () => tf.zeros([2, 3]), rule.initState(x), { layer: 0 })).toThrow(ShapeError);
    });
  });
  it('learnable coefficients must start inside their open range', () => {
    expect(() => new HeavyBall({ mu: 0, learnable: true })).toThrow(/learnable mu must start inside \(0, 1\)/);
    expect(() => new AdamRule({ gamma: -1, learnable: { gamma: true } })).toThrow(/learnable gamma/);
    expect(() => new AdamRule({ beta: 1 })).toThrow(/beta must lie in \[0, 1\)/);
  });
});
