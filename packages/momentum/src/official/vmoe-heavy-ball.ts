/**
 * MomentumV-MoE with heavy-ball momentum (the first version of the authors' V-MoE fork).
 * @module
 */
import { OfficialHeavyBall, type OfficialHeavyBallOptions } from './heavy-ball.js';

/**
 * The heavy-ball MoE block of the authors' V-MoE fork (commit `2f980dd`, run "vmoe_mom_LN_08"), a pre-LN block
 * (docs/paper-notes.md#v-moe-blocks-and-momentum-wiring):
 *
 *     m_t = μ m_{t−1} + γ MoE(LN(x_t))        (LN = ctx.preNorm)
 *     out = LN_post(x_t − m_t)                 (LN_post = ctx.norm)
 *
 * Defaults μ = 0.8, γ = 1. State `{ m }`. It is {@link OfficialHeavyBall} with those defaults and `preNorm: true`.
 * @example
 * ```ts
 * const rule = new VMoEHeavyBall();
 * rule.step(x, (p) => moe.apply(p).y, state, { layer, preNorm: (t) => ln.apply(t), norm: (t) => lnPost.apply(t) });
 * ```
 */
export class VMoEHeavyBall extends OfficialHeavyBall {
  override readonly name: string = 'vmoe-heavy-ball';

  constructor(options: Omit<OfficialHeavyBallOptions, 'preNorm'> = {}) {
    super({ mu: 0.8, gamma: 1, ...options, preNorm: true });
  }
}
