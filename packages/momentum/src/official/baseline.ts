/**
 * The official code's SMoE sublayer (architecture letter `g`).
 * @module
 */
import { PlainResidual } from '../plain-residual.js';

/**
 * The official baseline SMoE sublayer: {@link PlainResidual} (γ = 1) inside the sublayer's LayerNorm `ctx.norm`
 * (the model's `layers.{i}.smoe.layer_norm`),
 *
 *     out = LN_moe(x + f(x))
 *
 * The model then applies its own `LN2(x + out)` (the double residual, docs/paper-notes.md#the-language-model-backbone).
 * State `{}`.
 * @example
 * ```ts
 * const rule = new OfficialBaseline();
 * const { x: s } = rule.step(h1, (p) => dropout(moe.apply(p).y), {}, { layer, norm: (t) => layerNorm.apply(t) });
 * ```
 */
export class OfficialBaseline extends PlainResidual {
  override readonly name: string = 'official-baseline';

  constructor() {
    super({}, { norm: true });
  }
}
