import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, Rng, initBackend } from '@momentum-smoe/core';
import {
  AdamRule,
  HeavyBall,
  LMRobustMomentum,
  OfficialHeavyBall,
  PlainResidual,
  RobustMomentum,
  iterationMatrix,
  stability,
  type ResidualRule,
} from '@momentum-smoe/momentum';
import { fittedRate, gaussian, jointNorm, symmetricWithEigenvalues } from './reference.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/**
 * Iterates `rule` with the scalar-mode expert f(x) = λx on a random x ([2, 4], seed `seed`) and returns the joint
 * norm of (x, state) after each layer: the measured growth of one eigen-mode.
 */
function measuredNorms(rule: ResidualRule, lambda: number, layers: number, seed: number): number[] {
  const x0 = gaussian(new Rng(seed), 8);
  const norms: number[] = [];
  tf.tidy(() => {
    let x: tf.Tensor = tf.tensor2d(Float32Array.from(x0), [2, 4]);
    let state = rule.initState(x);
    for (let layer = 0; layer < layers; layer++) {
      ({ x, state } = rule.step(x, (p) => tf.mul(p, lambda), state, { layer }));
      norms.push(jointNorm(x.dataSync(), ...Object.values(state).map((s) => s.dataSync())));
    }
  });
  return norms;
}

/**
 * The region stated in docs/paper-notes.md#stability-of-heavy-ball for heavy ball: |μ| < 1 and 0 < γλ < 2(1 + μ).
 */
const heavyBallStable = (mu: number, gamma: number, lambda: number) =>
  Math.abs(mu) < 1 && gamma * lambda > 0 && gamma * lambda < 2 * (1 + mu);

describe('heavy ball stability region (docs/paper-notes.md#stability-of-heavy-ball)', () => {
  const cases: [number, number, number][] = [
    [0.7, 1, 0.01],
    [0.7, 1, 1],
    [0.7, 1, 3.3],
    [0.7, 1, 3.6],
    [0.7, 1, -0.1],
    [0.7, 0.5, 6.5],
    [0.7, 0.5, 7],
    [-0.3, 1, 1],
    [-0.3, 1, 1.5],
    [1.05, 1, 1],
    [0.9, 2, 1.85],
  ];
  for (const [mu, gamma, lambda] of cases) {
    it(`μ=${mu} γ=${gamma} λ=${lambda}: measured growth and closed form agree with the region (seed 5)`, () => {
      const rule = new HeavyBall({ mu, gamma });
      const radius = stability(rule, lambda);
      const rate = fittedRate(measuredNorms(rule, lambda, 120, 5).slice(30));
      const stable = heavyBallStable(mu, gamma, lambda);
      expect(radius < 1, `closed form ${radius}`).toBe(stable);
      expect(rate < 1, `measured ${rate}`).toBe(stable);
      expect(Math.abs(rate - radius), `measured ${rate} vs closed form ${radius}`).toBeLessThan(0.01);
    });
  }

  it('complex modes decay at √μ whatever λ (μ = 0.81, seed 6)', () => {
    const rule = new HeavyBall({ mu: 0.81, gamma: 1 });
    for (const lambda of [0.05, 0.5, 1, 2, 3.5]) {
      // (1 − √μ)² = 0.01 < γλ < (1 + √μ)² = 3.61: complex roots
      const rate = fittedRate(measuredNorms(rule, lambda, 150, 6).slice(30));
      expect(rate, `λ=${lambda}`).toBeCloseTo(0.9, 2);
      expect(stability(rule, lambda), `λ=${lambda}`).toBeCloseTo(0.9, 12);
    }
  });

  it('the companion matrix is [[1 − γλ, γμ], [−λ, μ]]', () => {
    expect(iterationMatrix(new HeavyBall({ mu: 0.6, gamma: 0.5 }), 2)).toEqual([
      [0, 0.3],
      [-2, 0.6],
    ]);
  });
});

describe('plain residual stability', () => {
  // PlainResidual adds f, so with f = −λx (λ an eigenvalue of the gradient's Jacobian) it is gradient descent:
  // stable iff 0 < γλ < 2, rate |1 − γλ|
  for (const [gamma, lambda] of [
    [1, 0.5],
    [1, 1.9],
    [1, 2.1],
    [1, -0.2],
    [0.5, 3.9],
    [0.5, 4.2],
  ] as const) {
    it(`γ=${gamma} λ=${lambda} (seed 7)`, () => {
      const rule = new PlainResidual({ gamma });
      const rate = fittedRate(measuredNorms(rule, -lambda, 80, 7).slice(10));
      const stable = gamma * lambda > 0 && gamma * lambda < 2;
      expect(rate < 1, `measured ${rate}`).toBe(stable);
      expect(stability(rule, -lambda)).toBeCloseTo(Math.abs(1 - gamma * lambda), 12);
      expect(rate).toBeCloseTo(Math.abs(1 - gamma * lambda), 3);
    });
  }
});

describe('robust momentum converges at rate ρ on a quadratic', () => {
  it('κ = 1.25, ρ = 0.2, L = 1: spectrum ⊂ [m, L] = [0.8, 1] (seed 8)', () => {
    const rule = new RobustMomentum({ kappa: 1.25, rho: 0.2, L: 1 });
    // closed form: radius ≤ ρ over [m, L], with equality at λ = m
    for (let i = 0; i <= 20; i++) expect(stability(rule, 0.8 + i * 0.01)).toBeLessThanOrEqual(0.2 + 1e-12);
    expect(stability(rule, 0.8)).toBeCloseTo(0.2, 12);
    // measured on f(x) = x·A with eigenvalues spread over [0.8, 1]
    const rng = new Rng(8);
    const a = symmetricWithEigenvalues([0.8, 0.85, 0.9, 0.97, 1], rng);
    const x0 = gaussian(rng, 2 * 5);
    const norms = tf.tidy(() => {
      const aT = tf.tensor2d(Float32Array.from(a), [5, 5]);
      let x: tf.Tensor = tf.tensor2d(Float32Array.from(x0), [2, 5]);
      let state = rule.initState(x);
      const out: number[] = [];
      for (let layer = 0; layer < 16; layer++) {
        ({ x, state } = rule.step(x, (p) => tf.matMul(p, aT), state, { layer }));
        out.push(jointNorm(x.dataSync()));
      }
      return out;
    });
    expect(fittedRate(norms.slice(6))).toBeCloseTo(0.2, 2);
  });
  it('κ = 10, ρ at the fast end 1 − 1/√κ: radius ≤ ρ on [L/κ, L]', () => {
    const rho = 1 - 1 / Math.sqrt(10);
    const rule = new RobustMomentum({ kappa: 10, rho, L: 2 });
    for (let i = 0; i <= 50; i++) expect(stability(rule, 0.2 + (i * 1.8) / 50)).toBeLessThanOrEqual(rho + 1e-9);
  });
});

it('stability refuses rules without a linear companion matrix', () => {
  expect(() => stability(new AdamRule(), 1)).toThrow(ConfigError);
  // the official wirings are paper rules inside a LayerNorm: not linear either
  expect(() => stability(new OfficialHeavyBall(), 1)).toThrow(/not a linear rule/);
  expect(() => stability(new LMRobustMomentum(), 1)).toThrow(ConfigError);
  // the official buffer m = −γp without the norm is the same linear iteration
  expect(stability(new HeavyBall({ mu: 0.6, gamma: 0.5, buffer: 'm' }), 2)).toBeCloseTo(
    stability(new HeavyBall({ mu: 0.6, gamma: 0.5 }), 2),
    12,
  );
});

it('learnable coefficients are read at their current values', () => {
  const rule = new HeavyBall({ mu: 0.5, gamma: 2, learnable: true });
  expect(stability(rule, 1)).toBeCloseTo(stability(new HeavyBall({ mu: 0.5, gamma: 2 }), 1), 6);
  rule.dispose();
});
