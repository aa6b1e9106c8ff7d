/**
 * Linear stability of the residual rules (docs/paper-notes.md#stability-of-heavy-ball): near a fixed point, with
 * f(x) ≈ λ e along one eigen-mode e of the local Jacobian ∂f/∂x, each rule is a small linear recurrence whose
 * companion matrix decides whether the mode decays across depth.
 * @module
 */
import { ConfigError } from '@momentum-smoe/core';
import { HeavyBall } from './heavy-ball.js';
import { PlainResidual } from './plain-residual.js';
import { RobustMomentum } from './robust-momentum.js';
import { ResidualRuleBase, type ResidualRule } from './rule.js';

/**
 * The companion matrix of the linearised rule for an eigenvalue λ of ∂f/∂x (f as the rule receives it), acting on
 * the mode's state (e_t) or (e_t, p_{t−1}):
 *
 * - {@link PlainResidual}: e' = (1 + γλ) e, a 1×1 matrix (f is a negative gradient there: λ < 0 descends).
 * - {@link HeavyBall}: [[1 − γλ, γμ], [−λ, μ]], characteristic polynomial z² − (1 + μ − γλ) z + μ.
 * - {@link RobustMomentum}: [[1 − aλ, a(b − caλ)], [−λ, b − caλ]].
 *
 * Learnable coefficients are read at their current values (a host sync).
 * @throws ConfigError for rules that are not linear in f (Adam, the normed official wirings).
 * @example
 * ```ts
 * iterationMatrix(new HeavyBall({ mu: 0.7, gamma: 1 }), 0.5); // [[0.5, 0.7], [-0.5, 0.7]]
 * ```
 */
export function iterationMatrix(rule: ResidualRule, lambda: number): number[][] {
  const normed = rule instanceof ResidualRuleBase && (rule.wiring.norm || rule.wiring.preNorm);
  if (normed) return notLinear(rule);
  if (rule instanceof PlainResidual) return [[1 + rule.gamma.read() * lambda]];
  if (rule instanceof HeavyBall) {
    const mu = rule.mu.read();
    const gamma = rule.gamma.read();
    return [
      [1 - gamma * lambda, gamma * mu],
      [-lambda, mu],
    ];
  }
  if (rule instanceof RobustMomentum) {
    const { a, b, c } = rule.coefficients;
    const carry = b - c * a * lambda;
    return [
      [1 - a * lambda, a * carry],
      [-lambda, carry],
    ];
  }
  return notLinear(rule);
}

function notLinear(rule: ResidualRule): never {
  throw new ConfigError(
    `stability: '${rule.name}' is not a linear rule; use PlainResidual, HeavyBall or RobustMomentum (Adam and the ` +
      'normed official wirings have no closed-form companion matrix)',
  );
}

/** Spectral radius (largest |eigenvalue|) of a real 1×1 or 2×2 matrix, in closed form. */
export function spectralRadius(matrix: number[][]): number {
  if (matrix.length === 1) return Math.abs(matrix[0]![0]!);
  if (matrix.length !== 2 || matrix.some((row) => row.length !== 2)) {
    throw new ConfigError('spectralRadius: expects a 1×1 or 2×2 matrix');
  }
  const [[p, q], [r, s]] = matrix as [[number, number], [number, number]];
  const trace = p + s;
  const det = p * s - q * r;
  const disc = trace * trace - 4 * det;
  if (disc < 0) return Math.sqrt(det); // complex pair: |z|² = det
  const root = Math.sqrt(disc);
  return Math.max(Math.abs(trace + root), Math.abs(trace - root)) / 2;
}

/**
 * The spectral radius of the rule's linearised iteration for an eigenvalue λ of ∂f/∂x: the per-layer growth
 * factor of that mode. Below 1 the mode decays with depth, above 1 it grows. For heavy ball it is < 1 iff |μ| < 1
 * and 0 < γλ < 2(1 + μ); complex modes ((1 − √μ)² < γλ < (1 + √μ)²) have radius √μ whatever λ.
 * @example
 * ```ts
 * stability(new HeavyBall({ mu: 0.81, gamma: 1 }), 1); // 0.9 = √0.81
 * stability(new PlainResidual(), -0.5);                // 0.5
 * ```
 */
export function stability(rule: ResidualRule, lambda: number): number {
  return spectralRadius(iterationMatrix(rule, lambda));
}
