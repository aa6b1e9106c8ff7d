/**
 * The robust momentum method's coefficients (Cyrus, Hu, Van Scoy & Lessard 2018) from (κ, ρ, L).
 * @module
 */
import { ConfigError } from '@momentum-smoe/core';

/** The design inputs of robust momentum. */
export interface RobustMomentumDesign {
  /** Condition number κ = L / m > 1 (default 1.25, the V-MoE config). */
  kappa?: number;
  /** Target convergence rate ρ ∈ [1 − 1/√κ, 1 − 1/κ] (default 0.2, the robust end for κ = 1.25). */
  rho?: number;
  /** Smoothness constant L > 0 (default 1, as in the official V-MoE code). */
  L?: number;
}

/** The coefficients of the iteration: step a, momentum b, look-ahead c. */
export interface RobustMomentumCoefficients {
  /** Condition number κ. */
  kappa: number;
  /** Target rate ρ. */
  rho: number;
  /** Smoothness L. */
  L: number;
  /** Step a = κ (1−ρ)² (1+ρ) / L. */
  a: number;
  /** Momentum b = κ ρ³ / (κ − 1). */
  b: number;
  /** Look-ahead c = ρ³ / ((κ − 1)(1−ρ)² (1+ρ)). */
  c: number;
}

/**
 * Computes the robust momentum coefficients, checking that ρ lies in the interval where the method's rate
 * certificate holds:
 *
 *     a = κ (1−ρ)² (1+ρ) / L,   b = κ ρ³ / (κ − 1),   c = ρ³ / ((κ − 1)(1−ρ)² (1+ρ))
 *
 * @throws ConfigError when κ ≤ 1, L ≤ 0 or ρ ∉ [1 − 1/√κ, 1 − 1/κ].
 * @example
 * ```ts
 * robustMomentumCoefficients({ kappa: 1.25, rho: 0.2, L: 1 }); // a = 0.96, b = 0.04, c ≈ 0.041667
 * ```
 */
export function robustMomentumCoefficients(design: RobustMomentumDesign = {}): RobustMomentumCoefficients {
  const kappa = design.kappa ?? 1.25;
  const rho = design.rho ?? 0.2;
  const L = design.L ?? 1;
  if (!(kappa > 1) || !Number.isFinite(kappa))
    throw new ConfigError(`robust momentum: kappa must be a finite number > 1, got ${kappa}`);
  if (!(L > 0) || !Number.isFinite(L))
    throw new ConfigError(`robust momentum: L must be a finite number > 0, got ${L}`);
  const lo = 1 - 1 / Math.sqrt(kappa);
  const hi = 1 - 1 / kappa;
  const slack = 1e-12; // 1 − 1/1.25 is 0.19999999999999996 in float64
  if (!(rho >= lo - slack && rho <= hi + slack)) {
    throw new ConfigError(
      `robust momentum: rho must lie in [1 − 1/√κ, 1 − 1/κ] = [${lo.toFixed(6)}, ${hi.toFixed(6)}] ` +
        `for kappa = ${kappa}, ` +
        `got ${rho}; pick rho in that interval (near the left end is faster, near the right end more robust)`,
    );
  }
  const a = (kappa * (1 - rho) ** 2 * (1 + rho)) / L;
  const b = (kappa * rho ** 3) / (kappa - 1);
  const c = rho ** 3 / ((kappa - 1) * (1 - rho) ** 2 * (1 + rho));
  return { kappa, rho, L, a, b, c };
}
