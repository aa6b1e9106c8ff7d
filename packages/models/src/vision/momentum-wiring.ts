/**
 * How momentum threads through the encoder blocks of one forward pass, as the authors' V-MoE fork wires it
 * (`rachtsy/vmoe`, `vmoe/nn/vit_moe.py` EncoderBlock; see docs/paper-notes.md#v-moe-blocks-and-momentum-wiring).
 * The MoE-block arithmetic is the momentum package's V-MoE rules; this file adds what the fork does around them in
 * dense blocks.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { VMoEHeavyBall, VMoERobustMomentum, type RuleState } from '@momentum-smoe/momentum';
import type { VisionMomentum } from './config.js';

/**
 * The per-block wiring of one momentum variant. With `a` the residual stream after attention, `y = LN(a)` and `f`
 * the MLP/MoE output (the buffer starts at zero for every batch, keeps its gradient, and only MoE blocks update it):
 *
 * | variant      | MoE block                                     | dense block                 |
 * | ------------ | --------------------------------------------- | --------------------------- |
 * | `none`       | `a + f(y)`                                    | `a + f(y)`                  |
 * | `heavy-ball` | `m ← μm + γf(y)`, `LN_post(a − m)`            | `LN_post(a + f(y))`         |
 * | `robust`     | `m ← −f(y + c·a·m) + b·m`, `LN_post(a + a·m)` | `LN_post(a + f(y + c·a·m))` |
 *
 * `heavy-ball` is {@link VMoEHeavyBall} (fork commit 2f980dd), `robust` {@link VMoERobustMomentum} (fork HEAD).
 *
 * At HEAD the robust look-ahead feeds dense blocks too (with the buffer of the last MoE block), as here.
 * @example
 * ```ts
 * const w = new MomentumWiring({ kind: 'robust', kappa: 1.25, rho: 0.2, L: 1 });
 * w.postNorm; // true: every block ends with an extra LayerNorm
 * ```
 */
export class MomentumWiring {
  /** The MoE-block rule, or `null` for the plain V-MoE residual. */
  readonly rule: VMoEHeavyBall | VMoERobustMomentum | null;

  constructor(readonly momentum: VisionMomentum) {
    if (momentum.kind === 'heavy-ball') this.rule = new VMoEHeavyBall({ mu: momentum.mu, gamma: momentum.gamma });
    else if (momentum.kind === 'robust')
      this.rule = new VMoERobustMomentum({ kappa: momentum.kappa, rho: momentum.rho, L: momentum.L });
    else this.rule = null;
  }

  /** Whether blocks end with an extra LayerNorm (every momentum variant; never the baseline, as at the fork's HEAD). */
  get postNorm(): boolean {
    return this.rule !== null;
  }

  /** The zero state for a batch of tokens `x: [B, N, d]` (empty for the baseline). */
  initState(x: tf.Tensor): RuleState {
    return this.rule ? this.rule.initState(x) : {};
  }

  /** A dense block's MLP input: `y`, or robust momentum's look-ahead `y + c·a·moment`. Shapes `[B, N, d]`. */
  denseInput(y: tf.Tensor, state: RuleState): tf.Tensor {
    if (!(this.rule instanceof VMoERobustMomentum)) return y;
    const { a, c } = this.rule.coefficients;
    const moment = state['moment'];
    return moment ? tf.add(y, tf.mul(moment, c * a)) : y;
  }
}
