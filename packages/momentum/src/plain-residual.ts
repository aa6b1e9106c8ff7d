/**
 * The plain residual step of an SMoE layer.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import type { Coefficient } from './coefficient.js';
import {
  ResidualRuleBase,
  type ExpertFn,
  type RuleState,
  type StepContext,
  type StepResult,
  type Wiring,
} from './rule.js';
import { scaleBy } from './scale.js';

/** Options of {@link PlainResidual}. */
export interface PlainResidualOptions {
  /** Step size γ (default 1). */
  gamma?: number;
  /** Learn γ as softplus(φ) > 0 (default false). */
  learnable?: boolean;
}

/**
 * SMoE: the residual step without state,
 *
 *     x_{t+1} = x_t + γ f(x_t)
 *
 * Read as gradient descent, the expert mixture f stands for a negative gradient here (the baseline adds +f; the
 * momentum rules treat f as the gradient and subtract it). With `{ norm: true }` wiring it is the official baseline
 * sublayer `LN_moe(x + f)` ({@link OfficialBaseline}).
 * @example
 * ```ts
 * const rule = new PlainResidual();
 * const { x: next } = rule.step(x, (p) => moe.apply(p).y, rule.initState(x), { layer: 0 });
 * ```
 */
export class PlainResidual extends ResidualRuleBase {
  readonly name: string = 'plain';
  protected readonly stateKeys = [] as const;
  /** Step size γ. */
  readonly gamma: Coefficient;

  /** @param wiring the model's normalisations around the step (none: the paper's form). */
  constructor(options: PlainResidualOptions = {}, wiring: Wiring = {}) {
    super(wiring);
    this.gamma = this.coefficient('gamma', options.gamma ?? 1, 'positive', options.learnable ?? false);
  }

  // x: [..., d] -> x: [..., d]; state: {}
  step(x: tf.Tensor, f: ExpertFn, _state: RuleState, ctx: StepContext): StepResult {
    const finish = this.finish(ctx);
    const fx = this.evaluate(f, this.expertPoint(x, ctx), x);
    const next = tf.tidy(() => finish(tf.add(x, scaleBy(fx, this.gamma.value()))));
    return { x: next, state: {} };
  }
}
