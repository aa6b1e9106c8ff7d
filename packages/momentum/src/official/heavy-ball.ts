/**
 * The official code's MomentumSMoE sublayer (architecture letter `m`).
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { isLearnable, type Coefficient, type LearnableOption } from '../coefficient.js';
import { ResidualRuleBase, type ExpertFn, type RuleState, type StepContext, type StepResult } from '../rule.js';
import { scaleBy } from '../scale.js';

/** Options of {@link OfficialHeavyBall}. */
export interface OfficialHeavyBallOptions {
  /** Momentum μ (default 0.7, the WikiText scripts' value). */
  mu?: number;
  /** Step size γ (`gamma2` in the official code; default 1). */
  gamma?: number;
  /** Learn μ = sigmoid(θ) ∈ (0, 1) and/or γ = softplus(φ) > 0 (default false). */
  learnable?: LearnableOption<'mu' | 'gamma'>;
  /**
   * Evaluate the experts at `ctx.preNorm(x)` instead of `x` (pre-LN blocks such as V-MoE's; default false: the
   * WikiText layers are post-LN, so their input is already normed).
   */
  preNorm?: boolean;
}

/**
 * MomentumSMoE as the official code computes it, with its sign convention and inner LayerNorm (`ctx.norm`):
 *
 *     m_t = μ m_{t−1} + γ f(x_t)
 *     out = LN_moe(x_t − m_t)
 *
 * Without the norm this is {@link HeavyBall} with m = −γ p. Note the sign: the baseline adds +f, this subtracts
 * m ∝ +f (docs/paper-notes.md#heavy-ball-sign-convention). State `{ m }`, shared by every MoE layer of a block. The model wraps the result in
 * `LN2(x + out)`.
 * @example
 * ```ts
 * const rule = new OfficialHeavyBall({ mu: 0.7, gamma: 1 });
 * ```
 */
export class OfficialHeavyBall extends ResidualRuleBase {
  readonly name: string = 'official-heavy-ball';
  protected readonly stateKeys = ['m'] as const;
  /** Momentum μ. */
  readonly mu: Coefficient;
  /** Step size γ. */
  readonly gamma: Coefficient;
  /** Whether the experts see `ctx.preNorm(x)`. */
  readonly preNorm: boolean;

  constructor(options: OfficialHeavyBallOptions = {}) {
    super();
    this.mu = this.coefficient('mu', options.mu ?? 0.7, 'unit-interval', isLearnable(options.learnable, 'mu'));
    this.gamma = this.coefficient('gamma', options.gamma ?? 1, 'positive', isLearnable(options.learnable, 'gamma'));
    this.preNorm = options.preNorm ?? false;
  }

  // x: [..., d] -> out: [..., d]; state: { m: [..., d] }
  step(x: tf.Tensor, f: ExpertFn, state: RuleState, ctx: StepContext): StepResult {
    const norm = this.requireNorm(ctx, 'norm', "the sublayer's inner LayerNorm, layers.{i}.smoe.layer_norm");
    const mPrev = this.stateTensor(state, 'm', x);
    const preNorm = this.preNorm ? this.requireNorm(ctx, 'preNorm', "the block's pre-LayerNorm") : null;
    const point = preNorm ? tf.tidy(() => preNorm(x)) : x;
    const fx = this.evaluate(f, point, x);
    const [out, m] = tf.tidy(() => {
      const m = tf.add(tf.mul(mPrev, this.mu.value()), scaleBy(fx, this.gamma.value()));
      return [norm(tf.sub(x, m)), m];
    });
    return { x: out!, state: { m: m! } };
  }
}
