/**
 * AdamSMoE: Adam's moment estimates along depth.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '@momentum-smoe/core';
import { isLearnable, type Coefficient, type LearnableOption } from './coefficient.js';
import { ResidualRuleBase, type ExpertFn, type RuleState, type StepContext, type StepResult } from './rule.js';

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
}

/**
 * AdamSMoE in the paper's form, with the expert mixture f read as a gradient:
 *
 *     p_t     = μ p_{t−1} + (1 − μ) f(x_t)
 *     m_t     = β m_{t−1} + (1 − β) f(x_t) ⊙ f(x_t)
 *     x_{t+1} = x_t − γ p_t / √(m_t + ε)
 *
 * ε sits inside the root and there is no bias correction, as in the official code. State `{ p, m }`. This applies
 * Adam in every layer; the official wiring (Adam in the first MoE layer only) is {@link OfficialAdamFirst}.
 * Ignores `ctx.norm`.
 * @example
 * ```ts
 * const rule = new AdamRule({ mu: 0.9, beta: 0.999 });
 * ```
 */
export class AdamRule extends ResidualRuleBase {
  readonly name = 'adam';
  protected readonly stateKeys = ['p', 'm'] as const;
  /** First-moment decay μ. */
  readonly mu: Coefficient;
  /** Step size γ. */
  readonly gamma: Coefficient;
  /** Second-moment decay β. */
  readonly beta: number;
  /** ε inside the square root. */
  readonly eps: number;

  constructor(options: AdamRuleOptions = {}) {
    super();
    this.beta = options.beta ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    if (!(this.beta >= 0 && this.beta < 1)) throw new ConfigError(`AdamRule: beta must lie in [0, 1), got ${this.beta}`);
    if (!(this.eps > 0)) throw new ConfigError(`AdamRule: eps must be > 0 (it keeps √(m + ε) away from 0), got ${this.eps}`);
    this.mu = this.coefficient('mu', options.mu ?? 0.9, 'unit-interval', isLearnable(options.learnable, 'mu'));
    this.gamma = this.coefficient('gamma', options.gamma ?? 1, 'positive', isLearnable(options.learnable, 'gamma'));
  }

  // x: [..., d] -> x: [..., d]; state: { p: [..., d], m: [..., d] }
  step(x: tf.Tensor, f: ExpertFn, state: RuleState, _ctx: StepContext): StepResult {
    const pPrev = this.stateTensor(state, 'p', x);
    const mPrev = this.stateTensor(state, 'm', x);
    const fx = this.evaluate(f, x, x);
    const [next, p, m] = tf.tidy(() => {
      const mu = this.mu.value();
      const p = tf.add(tf.mul(pPrev, mu), tf.mul(fx, tf.sub(1, mu)));
      const m = tf.add(tf.mul(mPrev, this.beta), tf.mul(tf.square(fx), 1 - this.beta));
      const update = tf.div(tf.mul(p, this.gamma.value()), tf.sqrt(tf.add(m, this.eps)));
      return [tf.sub(x, update), p, m];
    });
    return { x: next!, state: { p: p!, m: m! } };
  }
}
