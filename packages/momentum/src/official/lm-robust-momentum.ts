/**
 * Robust momentum for the WikiText language-model layers (architecture letter `r`): this project's extension.
 * @module
 */
import type { RobustMomentumDesign } from '../robust-params.js';
import { RobustMomentum } from '../robust-momentum.js';

/**
 * **Our extension**, not in the official code (which has robust momentum only in V-MoE,
 * docs/paper-notes.md#robust-momentum): the V-MoE robust-momentum block carried over to the post-LN WikiText layer,
 * i.e. {@link RobustMomentum} inside the sublayer's LayerNorm `ctx.norm`, its buffer named `moment`. The input `x`
 * (the attention sublayer's output h1) is already normed, so the look-ahead is on `x` itself:
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
export class LMRobustMomentum extends RobustMomentum {
  override readonly name: string = 'lm-robust-momentum';
  protected override readonly stateKeys: readonly [string] = ['moment'];

  constructor(design: RobustMomentumDesign = {}) {
    super(design, { norm: true });
  }
}
