/**
 * The official code's MomentumSMoE sublayer (architecture letter `m`).
 * @module
 */
import { HeavyBall, type HeavyBallOptions } from '../heavy-ball.js';

/** Options of {@link OfficialHeavyBall}. */
export interface OfficialHeavyBallOptions extends Omit<HeavyBallOptions, 'buffer'> {
  /**
   * Evaluate the experts at `ctx.preNorm(x)` instead of `x` (pre-LN blocks such as V-MoE's; default false: the
   * WikiText layers are post-LN, so their input is already normed).
   */
  preNorm?: boolean;
}

/**
 * MomentumSMoE as the official code computes it: {@link HeavyBall} carrying the official buffer `m = −γp`, inside
 * the sublayer's LayerNorm `ctx.norm`:
 *
 *     m_t = μ m_{t−1} + γ f(x_t)
 *     out = LN_moe(x_t − m_t)
 *
 * Note the sign: the baseline adds +f, this subtracts m ∝ +f (docs/paper-notes.md#heavy-ball-sign-convention).
 * State `{ m }`, shared by every MoE layer of a block. The model wraps the result in `LN2(x + out)`.
 * @example
 * ```ts
 * const rule = new OfficialHeavyBall({ mu: 0.7, gamma: 1 });
 * ```
 */
export class OfficialHeavyBall extends HeavyBall {
  override readonly name: string = 'official-heavy-ball';

  constructor(options: OfficialHeavyBallOptions = {}) {
    const { preNorm = false, ...rest } = options;
    super({ ...rest, buffer: 'm' }, { norm: true, preNorm });
  }
}
