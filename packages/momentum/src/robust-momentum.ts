/**
 * Robust MomentumSMoE: the robust momentum method (Cyrus et al. 2018) along depth.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import {
  robustMomentumCoefficients,
  type RobustMomentumCoefficients,
  type RobustMomentumDesign,
} from './robust-params.js';
import {
  ResidualRuleBase,
  type ExpertFn,
  type RuleState,
  type StepContext,
  type StepResult,
  type Wiring,
} from './rule.js';

/**
 * The robust momentum method, with the expert mixture f read as a gradient and the coefficients a, b, c of
 * {@link robustMomentumCoefficients} (docs/paper-notes.md#robust-momentum):
 *
 *     y_t     = x_t + c·a·p_{t−1}          (look-ahead, = x_t + c (x_t − x_{t−1}))
 *     p_t     = −f(y_t) + b p_{t−1}
 *     x_{t+1} = x_t + a p_t
 *
 * f is evaluated once per layer, at the look-ahead point only. State `{ p }`. The models run it wired:
 * {@link VMoERobustMomentum} (look-ahead on the pre-normed input, post-LayerNorm) and {@link LMRobustMomentum}.
 * @example
 * ```ts
 * const rule = new RobustMomentum({ kappa: 1.25, rho: 0.2, L: 1 }); // a = 0.96, b = 0.04, c ≈ 0.0417
 * ```
 */
export class RobustMomentum extends ResidualRuleBase {
  readonly name: string = 'robust-momentum';
  /** The state key of the momentum buffer: `p` here, `moment` in the official V-MoE code. */
  protected readonly stateKeys: readonly [string] = ['p'];
  /** The design (κ, ρ, L) and the derived step a, momentum b and look-ahead c. */
  readonly coefficients: RobustMomentumCoefficients;

  /** @param wiring the model's normalisations around the step (none: the paper's form). */
  constructor(design: RobustMomentumDesign = {}, wiring: Wiring = {}) {
    super(wiring);
    this.coefficients = robustMomentumCoefficients(design);
  }

  // x: [..., d] -> x: [..., d]; state: { p: [..., d] }
  step(x: tf.Tensor, f: ExpertFn, state: RuleState, ctx: StepContext): StepResult {
    const { a, b, c } = this.coefficients;
    const [key] = this.stateKeys;
    const finish = this.finish(ctx);
    const pPrev = this.stateTensor(state, key, x);
    const lookahead = this.expertPoint(x, ctx, () => tf.mul(pPrev, c * a));
    const fy = this.evaluate(f, lookahead, x);
    const [next, p] = tf.tidy(() => {
      const p = tf.sub(tf.mul(pPrev, b), fy);
      return [finish(tf.add(x, tf.mul(p, a))), p];
    });
    return { x: next, state: { [key]: p } };
  }
}
