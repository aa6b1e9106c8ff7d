/**
 * MomentumSMoE: heavy-ball momentum along depth.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { isLearnable, type Coefficient, type LearnableOption } from './coefficient.js';
import { ResidualRuleBase, type ExpertFn, type RuleState, type StepContext, type StepResult } from './rule.js';
import { scaleBy } from './scale.js';

/** Options of {@link HeavyBall}. */
export interface HeavyBallOptions {
  /** Momentum μ (default 0.7, the official WikiText scripts' value). */
  mu?: number;
  /** Step size γ (default 1). */
  gamma?: number;
  /** Learn μ = sigmoid(θ) ∈ (0, 1) and/or γ = softplus(φ) > 0 (default false). */
  learnable?: LearnableOption<'mu' | 'gamma'>;
}

/**
 * MomentumSMoE in the paper's form, with the expert mixture f read as a gradient:
 *
 *     p_t     = −f(x_t) + μ p_{t−1},   p_0 = 0
 *     x_{t+1} = x_t + γ p_t
 *
 * State `{ p }`. With μ = 0 this is x − γ f(x): the plain residual with f's sign flipped. The official code's
 * `m = μ m + γ f; x − m` is the same iteration with m = −γ p (see {@link OfficialHeavyBall}). Ignores `ctx.norm`.
 * @example
 * ```ts
 * const rule = new HeavyBall({ mu: 0.7, gamma: 1 });
 * let state = rule.initState(x);
 * for (const [layer, moe] of layers.entries()) ({ x, state } = rule.step(x, (p) => moe.apply(p).y, state, { layer }));
 * ```
 */
export class HeavyBall extends ResidualRuleBase {
  readonly name = 'heavy-ball';
  protected readonly stateKeys = ['p'] as const;
  /** Momentum μ. */
  readonly mu: Coefficient;
  /** Step size γ. */
  readonly gamma: Coefficient;

  constructor(options: HeavyBallOptions = {}) {
    super();
    this.mu = this.coefficient('mu', options.mu ?? 0.7, 'unit-interval', isLearnable(options.learnable, 'mu'));
    this.gamma = this.coefficient('gamma', options.gamma ?? 1, 'positive', isLearnable(options.learnable, 'gamma'));
  }

  // x: [..., d] -> x: [..., d]; state: { p: [..., d] }
  step(x: tf.Tensor, f: ExpertFn, state: RuleState, _ctx: StepContext): StepResult {
    const pPrev = this.stateTensor(state, 'p', x);
    const fx = this.evaluate(f, x, x);
    const [next, p] = tf.tidy(() => {
      const p = tf.sub(tf.mul(pPrev, this.mu.value()), fx);
      return [tf.add(x, scaleBy(p, this.gamma.value())), p];
    });
    return { x: next!, state: { p: p! } };
  }
}
