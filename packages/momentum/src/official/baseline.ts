/**
 * The official code's SMoE sublayer (architecture letter `g`).
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { ResidualRuleBase, type ExpertFn, type RuleState, type StepContext, type StepResult } from '../rule.js';

/**
 * The official baseline SMoE sublayer, with its inner LayerNorm (`ctx.norm`, the model's `layers.{i}.smoe.layer_norm`):
 *
 *     out = LN_moe(x + f(x))
 *
 * The model then applies its own `LN2(x + out)` (the double residual, docs/paper-notes.md#the-language-model-backbone). State `{}`.
 * @example
 * ```ts
 * const rule = new OfficialBaseline();
 * const { x: s } = rule.step(h1, (p) => dropout(moe.apply(p).y), {}, { layer, norm: (t) => layerNorm.apply(t) });
 * ```
 */
export class OfficialBaseline extends ResidualRuleBase {
  readonly name = 'official-baseline';
  protected readonly stateKeys = [] as const;

  // x: [..., d] -> out: [..., d]; state: {}
  step(x: tf.Tensor, f: ExpertFn, _state: RuleState, ctx: StepContext): StepResult {
    const norm = this.requireNorm(ctx, 'norm', "the sublayer's inner LayerNorm, layers.{i}.smoe.layer_norm");
    const fx = this.evaluate(f, x, x);
    return { x: tf.tidy(() => norm(tf.add(x, fx))), state: {} };
  }
}
