/**
 * AdamSMoE: Adam's moment estimates along depth.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '@momentum-smoe/core';
import { isLearnable, type Coefficient, type LearnableOption } from './coefficient.js';
import {
  ResidualRuleBase,
  type ExpertFn,
  type RuleState,
  type StepContext,
  type StepResult,
  type Wiring,
} from './rule.js';

/** Options of {@link AdamRule}. */
export interface AdamRuleOptions {
  /** First-moment decay μ (β1; default 0.9). */
  mu?: number;
  /** Second-moment decay β (β2; default 0.999), in [0, 1). */
  beta?: number;
  /** Step size γ (γ1 in the official code; default 1). */
  gamma?: number;
  /** ε inside the square root (default 1e−8), > 0. */
  eps?: number;
  /** Learn μ = sigmoid(θ) and/or γ = softplus(φ) (default false). */
  learnable?: LearnableOption<'mu' | 'gamma'>;
  /**
   * Keep the residual x (default true). `false` returns −γ p / √(m + ε) alone: the official layer-0 quirk, where
   * `x − (γ p / √(v + ε) + x)` cancels the input (docs/paper-notes.md#adam-in-layer-0).
   */
  residual?: boolean;
}

/**
 * AdamSMoE in the paper's form, with the expert mixture f read as a gradient:
 *
 *     p_t     = μ p_{t−1} + (1 − μ) f(x_t)
 *     m_t     = β m_{t−1} + (1 − β) f(x_t) ⊙ f(x_t)
 *     x_{t+1} = x_t − γ p_t / √(m_t + ε)
 *
 * ε sits inside the root and there is no bias correction, as in the official code. State `{ p, m }`. This applies
 * Adam in every layer; the models run the official wiring {@link OfficialAdamFirst}: this rule without the residual
 * in the first MoE layer only, heavy ball after it.
 * @example
 * ```ts
 * const rule = new AdamRule({ mu: 0.9, beta: 0.999 });
 * ```
 */
export class AdamRule extends ResidualRuleBase {
  readonly name: string = 'adam';
  protected readonly stateKeys = ['p', 'm'] as const;
  /** First-moment decay μ. */
  readonly mu: Coefficient;
  /** Step size γ. */
  readonly gamma: Coefficient;
  /** Second-moment decay β. */
  readonly beta: number;
  /** ε inside the square root. */
  readonly eps: number;
  /** Whether the output keeps the residual x. */
  readonly residual: boolean;

  /** @param wiring the model's normalisations around the step (none: the paper's form). */
  constructor(options: AdamRuleOptions = {}, wiring: Wiring = {}) {
    super(wiring);
    this.residual = options.residual ?? true;
    this.beta = options.beta ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    if (!(this.beta >= 0 && this.beta < 1))
      throw new ConfigError(`AdamRule: beta must lie in [0, 1), got ${this.beta}`);
    if (!(this.eps > 0))
      throw new ConfigError(`AdamRule: eps must be > 0 (it keeps √(m + ε) away from 0), got ${this.eps}`);
    this.mu = this.coefficient('mu', options.mu ?? 0.9, 'unit-interval', isLearnable(options.learnable, 'mu'));
    this.gamma = this.coefficient('gamma', options.gamma ?? 1, 'positive', isLearnable(options.learnable, 'gamma'));
  }

  // x: [..., d] -> x: [..., d]; state: { p: [..., d], m: [..., d] }
  step(x: tf.Tensor, f: ExpertFn, state: RuleState, ctx: StepContext): StepResult {
    const finish = this.finish(ctx);
    const pPrev = this.stateTensor(state, 'p', x);
    const mPrev = this.stateTensor(state, 'm', x);
    const fx = this.evaluate(f, this.expertPoint(x, ctx), x);
    const [next, p, m] = tf.tidy(() => {
      const [p, m] = this.moments(pPrev, mPrev, fx);
      return [finish(this.move(x, p, m)), p, m];
    });
    return { x: next, state: { p: p, m: m } };
  }

  /** The moment updates alone: p = μp + (1 − μ)f and m = βm + (1 − β)f². Returns `[p, m]`. */
  moments(pPrev: tf.Tensor, mPrev: tf.Tensor, fx: tf.Tensor): [tf.Tensor, tf.Tensor] {
    return tf.tidy(() => {
      const mu = this.mu.value();
      const p = tf.add(tf.mul(pPrev, mu), tf.mul(fx, tf.sub(1, mu)));
      const m = tf.add(tf.mul(mPrev, this.beta), tf.mul(tf.square(fx), 1 - this.beta));
      return [p, m];
    });
  }

  /** The new point from the moments: x − γp/√(m + ε), or −γp/√(m + ε) without the residual. */
  move(x: tf.Tensor, p: tf.Tensor, m: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const g = this.gamma.value();
      const step = this.residual ? g : typeof g === 'number' ? -g : tf.neg(g); // the sign folded into γ: one pass less
      const update = tf.div(tf.mul(p, step), tf.sqrt(tf.add(m, this.eps)));
      return this.residual ? tf.sub(x, update) : update;
    });
  }
}
