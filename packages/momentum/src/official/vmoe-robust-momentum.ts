/**
 * Robust MomentumV-MoE: the robust-momentum MoE block of the authors' V-MoE fork.
 * @module
 */
import type { RobustMomentumDesign } from '../robust-params.js';
import { RobustMomentum } from '../robust-momentum.js';

/**
 * The robust-momentum MoE block of the authors' V-MoE fork at HEAD
 * (docs/paper-notes.md#v-moe-blocks-and-momentum-wiring): {@link RobustMomentum} with the look-ahead on the
 * block's pre-normed input and the extra post-LayerNorm, its buffer named `moment` as in the fork. Defaults
 * κ = 1.25, ρ = 0.2, L = 1: a = 0.96, b = 0.04, c ≈ 0.041667.
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
export class VMoERobustMomentum extends RobustMomentum {
  override readonly name: string = 'vmoe-robust-momentum';
  protected override readonly stateKeys: readonly [string] = ['moment'];

  constructor(design: RobustMomentumDesign = {}) {
    super(design, { norm: true, preNorm: true });
  }
}
