/**
 * MomentumSMoE: heavy-ball momentum along depth.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { isLearnable, type Coefficient, type LearnableOption } from './coefficient.js';
import {
  ResidualRuleBase,
  type ExpertFn,
  type RuleState,
  type StepContext,
  type StepResult,
  type Wiring,
} from './rule.js';
import { scaleBy } from './scale.js';

/** Options of {@link HeavyBall}. */
export interface HeavyBallOptions {
  /** Momentum μ (default 0.7, the official WikiText scripts' value). */
  mu?: number;
  /** Step size γ (default 1). */
  gamma?: number;
  /** Learn μ = sigmoid(θ) ∈ (0, 1) and/or γ = softplus(φ) > 0 (default false). */
  learnable?: LearnableOption<'mu' | 'gamma'>;
  /**
   * Which of the two equivalent buffers to carry (default `p`): the paper's `p` (p = −f + μp; x + γp), or the
   * official code's `m = −γp` (m = μm + γf; x − m), state key `m`. Same iteration, same cost.
   */
  buffer?: 'p' | 'm';
}

/**
 * MomentumSMoE in the paper's form, with the expert mixture f read as a gradient:
 *
 *     p_t     = −f(x_t) + μ p_{t−1},   p_0 = 0
 *     x_{t+1} = x_t + γ p_t
 *
 * State `{ p }` (or `{ m }` with `buffer: 'm'`). With μ = 0 this is x − γ f(x): the plain residual with f's sign
 * flipped (docs/paper-notes.md#heavy-ball-sign-convention). The models run it as {@link OfficialHeavyBall}: buffer
 * `m` inside the sublayer's LayerNorm.
 * @example
 * ```ts
 * const rule = new HeavyBall({ mu: 0.7, gamma: 1 });
 * let state = rule.initState(x);
 * for (const [layer, moe] of layers.entries()) ({ x, state } = rule.step(x, (p) => moe.apply(p).y, state, { layer }));
 * ```
 */
export class HeavyBall extends ResidualRuleBase {
  readonly name: string = 'heavy-ball';
  protected readonly stateKeys: readonly ['p'] | readonly ['m'];
  /** Momentum μ. */
  readonly mu: Coefficient;
  /** Step size γ. */
  readonly gamma: Coefficient;
  /** The buffer carried: the paper's `p` or the official `m = −γp`. */
  readonly buffer: 'p' | 'm';

  /** @param wiring the model's normalisations around the step (none: the paper's form). */
  constructor(options: HeavyBallOptions = {}, wiring: Wiring = {}) {
    super(wiring);
    this.buffer = options.buffer ?? 'p';
    this.stateKeys = [this.buffer];
    this.mu = this.coefficient('mu', options.mu ?? 0.7, 'unit-interval', isLearnable(options.learnable, 'mu'));
    this.gamma = this.coefficient('gamma', options.gamma ?? 1, 'positive', isLearnable(options.learnable, 'gamma'));
  }

  // x: [..., d] -> x: [..., d]; state: { p | m: [..., d] }
  step(x: tf.Tensor, f: ExpertFn, state: RuleState, ctx: StepContext): StepResult {
    const finish = this.finish(ctx);
    const prev = this.stateTensor(state, this.buffer, x);
    const fx = this.evaluate(f, this.expertPoint(x, ctx), x);
    const [next, buf] = tf.tidy(() => {
      const buf = this.advance(prev, fx);
      const moved = this.buffer === 'p' ? tf.add(x, scaleBy(buf, this.gamma.value())) : tf.sub(x, buf);
      return [finish(moved), buf];
    });
    return { x: next, state: { [this.buffer]: buf } };
  }

  /**
   * The buffer update alone: p = μp − f, or m = μm + γf (AdamSMoE's layer 0 updates the buffer without moving x).
   */
  advance(prev: tf.Tensor, fx: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const decayed = tf.mul(prev, this.mu.value());
      return this.buffer === 'p' ? tf.sub(decayed, fx) : tf.add(decayed, scaleBy(fx, this.gamma.value()));
    });
  }
}
