/**
 * Robust MomentumV-MoE: the robust-momentum MoE block of the authors' V-MoE fork.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { robustMomentumCoefficients, type RobustMomentumCoefficients, type RobustMomentumDesign } from '../robust-params.js';
import { ResidualRuleBase, type ExpertFn, type RuleState, type StepContext, type StepResult } from '../rule.js';

/**
 * The robust-momentum MoE block of the authors' V-MoE fork at HEAD (docs/paper-notes.md#v-moe-blocks-and-momentum-wiring), with a, b, c from
 * {@link robustMomentumCoefficients} (defaults κ = 1.25, ρ = 0.2, L = 1: a = 0.96, b = 0.04, c ≈ 0.041667):
 *
 *     y      = LN(x)                      (ctx.preNorm, the block's pre-norm)
 *     f      = MoE(y + c·a·moment)        (look-ahead on the normed input)
 *     moment = −f + b·moment
 *     out    = LN_post(x + a·moment)      (ctx.norm, the extra post-LayerNorm)
 *
 * The experts are evaluated once per block. State `{ moment }`.
 * @example
 * ```ts
 * const rule = new VMoERobustMomentum({ kappa: 1.25, rho: 0.2 });
 * rule.step(x, (p) => moe.apply(p).y, state, { layer, preNorm: (t) => ln.apply(t), norm: (t) => lnPost.apply(t) });
 * ```
 */
export class VMoERobustMomentum extends ResidualRuleBase {
  readonly name = 'vmoe-robust-momentum';
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
    const norm = this.requireNorm(ctx, 'norm', "the block's post-LayerNorm");
    const preNorm = this.requireNorm(ctx, 'preNorm', "the block's pre-LayerNorm, applied before the MoE");
    const momentPrev = this.stateTensor(state, 'moment', x);
    const lookahead = tf.tidy(() => tf.add(preNorm(x), tf.mul(momentPrev, c * a)));
    const fy = this.evaluate(f, lookahead, x);
    const [out, moment] = tf.tidy(() => {
      const moment = tf.sub(tf.mul(momentPrev, b), fy);
      return [norm(tf.add(x, tf.mul(moment, a))), moment];
    });
    return { x: out!, state: { moment: moment! } };
  }
}
