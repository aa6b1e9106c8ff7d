/**
 * Robust momentum for the WikiText language-model layers (architecture letter `r`): this project's extension.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { robustMomentumCoefficients, type RobustMomentumCoefficients, type RobustMomentumDesign } from '../robust-params.js';
import { ResidualRuleBase, type ExpertFn, type RuleState, type StepContext, type StepResult } from '../rule.js';

/**
 * **Our extension**, not in the official code (which has robust momentum only in V-MoE, docs/paper-notes.md#robust-momentum): the V-MoE
 * robust-momentum block carried over to the post-LN WikiText layer. The input `x` (the attention sublayer's output
 * h1) is already normed, so the look-ahead is on `x` itself, and the inner LayerNorm `ctx.norm` plays LN_post:
 *
 *     f      = SMoE(x + c·a·moment)
 *     moment = −f + b·moment
 *     out    = LN_moe(x + a·moment)
 *
 * The model wraps the result in `LN2(x + out)` like the other sublayers. State `{ moment }`; f is evaluated once.
 * @example
 * ```ts
 * const rule = new LMRobustMomentum({ kappa: 1.25, rho: 0.2 });
 * ```
 */
export class LMRobustMomentum extends ResidualRuleBase {
  readonly name = 'lm-robust-momentum';
  protected readonly stateKeys = ['moment'] as const;
  /** The design (κ, ρ, L) and the derived a, b, c. */
  readonly coefficients: RobustMomentumCoefficients;

  constructor(design: RobustMomentumDesign = {}) {
    super();
    this.coefficients = robustMomentumCoefficients(design);
  }

  // x: [..., d] -> out: [..., d]; state: { moment: [..., d] }
  step(x: tf.Tensor, f: ExpertFn, state: RuleState, ctx: StepContext): StepResult {
    const { a, b, c } = this.coefficients;
    const norm = this.requireNorm(ctx, 'norm', "the sublayer's inner LayerNorm, layers.{i}.smoe.layer_norm");
    const momentPrev = this.stateTensor(state, 'moment', x);
    const lookahead = tf.tidy(() => tf.add(x, tf.mul(momentPrev, c * a)));
    const fy = this.evaluate(f, lookahead, x);
    const [out, moment] = tf.tidy(() => {
      const moment = tf.sub(tf.mul(momentPrev, b), fy);
      return [norm(tf.add(x, tf.mul(moment, a))), moment];
    });
    return { x: out!, state: { moment: moment! } };
  }
}
