/**
 * Scalar coefficients of a rule (μ, γ, ...) that are either fixed numbers or learnable parameters kept in their
 * valid range by a reparametrisation (the paper's ablation with learned μ and γ).
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '@momentum-smoe/core';

/**
 * Valid range of a coefficient. `unit-interval`: (0, 1), learned as μ = sigmoid(θ). `positive`: (0, ∞), learned as
 * γ = softplus(φ) = log(1 + e^φ).
 */
export type CoefficientRange = 'unit-interval' | 'positive';

/** Which coefficients of a rule are learnable: `true` for all of them, or one flag per coefficient. */
export type LearnableOption<K extends string> = boolean | Partial<Record<K, boolean>>;

/** Resolves a {@link LearnableOption} for one coefficient. */
export function isLearnable<K extends string>(option: LearnableOption<K> | undefined, key: K): boolean {
  if (option === undefined || typeof option === 'boolean') return option ?? false;
  return option[key] ?? false;
}

/** The name of the unconstrained parameter behind a learnable coefficient (`mu_logit`, `gamma_softplus_inv`). */
export function rawParameterName(name: string, range: CoefficientRange): string {
  return range === 'unit-interval' ? `${name}_logit` : `${name}_softplus_inv`;
}

/** The unconstrained value whose reparametrisation equals `value`: logit for (0, 1), softplus⁻¹ for (0, ∞). */
export function toUnconstrained(value: number, range: CoefficientRange): number {
  return range === 'unit-interval' ? Math.log(value / (1 - value)) : value + Math.log(-Math.expm1(-value));
}

/**
 * A scalar coefficient. {@link Coefficient.value} is what the arithmetic uses (a number, or a differentiable scalar
 * when learnable); {@link Coefficient.read} gives its current value as a number (host sync when learnable).
 */
export class Coefficient {
  private constructor(
    /** The coefficient's symbol, for error messages. */
    readonly name: string,
    private readonly fixed: number,
    private readonly raw: tf.Variable<tf.Rank.R0> | null,
    private readonly range: CoefficientRange,
  ) {}

  /** A constant coefficient; must be a finite number. */
  static fixed(name: string, value: number): Coefficient {
    if (!Number.isFinite(value)) throw new ConfigError(`${name} must be a finite number, got ${value}`);
    return new Coefficient(name, value, null, 'positive');
  }

  /** A learnable coefficient backed by the unconstrained variable `raw`. */
  static learned(name: string, raw: tf.Variable<tf.Rank.R0>, range: CoefficientRange): Coefficient {
    return new Coefficient(name, Number.NaN, raw, range);
  }

  /** Checks that `value` can start a learnable coefficient of this range (the open interval). */
  static checkLearnableStart(name: string, value: number, range: CoefficientRange): void {
    const ok = range === 'unit-interval' ? value > 0 && value < 1 : value > 0 && Number.isFinite(value);
    if (!ok) {
      const interval = range === 'unit-interval' ? '(0, 1)' : '(0, ∞)';
      throw new ConfigError(
        `learnable ${name} must start inside ${interval}, got ${value}; use a fixed ${name} instead`,
      );
    }
  }

  /** True when backed by a trainable variable. */
  get learnable(): boolean {
    return this.raw !== null;
  }

  /** The value for arithmetic: a number, or a scalar tensor that carries gradients to the raw parameter. */
  value(): number | tf.Scalar {
    if (this.raw === null) return this.fixed;
    return this.range === 'unit-interval' ? tf.sigmoid(this.raw) : tf.softplus(this.raw);
  }

  /** The current value as a number (reads the variable when learnable: a host sync, for diagnostics only). */
  read(): number {
    if (this.raw === null) return this.fixed;
    const r = this.raw.dataSync()[0]!;
    return this.range === 'unit-interval' ? 1 / (1 + Math.exp(-r)) : Math.log1p(Math.exp(r));
  }
}
