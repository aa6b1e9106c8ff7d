/**
 * One pre-LN ViT encoder block whose MLP is dense or an MoE, with the momentum wiring of the V-MoE fork.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { Module, type Rng } from '@momentum-smoe/core';
import { LayerNorm } from '../nn/layer-norm.js';
import { SelfAttention } from './attention.js';
import type { BlockRouting, GroupedMoE } from './grouped-moe.js';
import { MlpBlock } from './mlp-block.js';
import type { MomentumWiring } from './momentum-wiring.js';
import type { RuleState } from '@momentum-smoe/momentum';

/** Flax's LayerNorm epsilon, used by every LayerNorm of the vision models. */
export const VISION_LN_EPS = 1e-6;

/** Output of {@link VisionEncoderBlock.apply}. */
export interface EncoderBlockOutput {
  /** `[B, N, d]`. */
  x: tf.Tensor3D;
  /** The momentum state after this block (each tensor `[B, N, d]`; `{}` when momentum is off). */
  state: RuleState;
  /** The routing report of an MoE block, `null` for a dense block. */
  routing: BlockRouting | null;
}

/**
 * `a = x + Attn(LN₁(x))`, `y = LN₂(a)`, then the MLP (dense or MoE) and the residual chosen by the
 * {@link MomentumWiring}; momentum variants end with a post-LayerNorm `postNorm`.
 * @example
 * ```ts
 * const block = new VisionEncoderBlock({ dim: 64, heads: 4, mlp: new MlpBlock(64, 128, rng), wiring, rng });
 * const { x: next, state } = block.apply(x, wiring.initState(x), 0); // x, next: [B, N, 64]
 * ```
 */
export class VisionEncoderBlock extends Module {
  readonly norm1: LayerNorm;
  readonly attention: SelfAttention;
  readonly norm2: LayerNorm;
  readonly mlp: MlpBlock | GroupedMoE;
  readonly postNorm: LayerNorm | null;
  private readonly wiring: MomentumWiring;

  constructor(options: { dim: number; heads: number; mlp: MlpBlock | GroupedMoE; wiring: MomentumWiring; rng: Rng }) {
    super();
    const { dim } = options;
    this.wiring = options.wiring;
    this.norm1 = this.child('norm1', new LayerNorm(dim, VISION_LN_EPS));
    this.attention = this.child('attention', new SelfAttention(dim, options.heads, options.rng));
    this.norm2 = this.child('norm2', new LayerNorm(dim, VISION_LN_EPS));
    this.mlp = this.child('mlp', options.mlp);
    this.postNorm = options.wiring.postNorm ? this.child('postNorm', new LayerNorm(dim, VISION_LN_EPS)) : null;
  }

  /** Whether the MLP is an MoE. */
  get isMoE(): boolean {
    return !(this.mlp instanceof MlpBlock);
  }

  /**
   * `x: [B, N, d]` and the state from the previous block (zeros from {@link MomentumWiring.initState} before the
   * first) → next `x`, next state, routing report. `moeLayer` is this block's position among the MoE blocks.
   */
  apply(x: tf.Tensor3D, state: RuleState, moeLayer: number): EncoderBlockOutput {
    return tf.tidy(() => {
      const a = tf.add(x, this.attention.apply(this.norm1.apply(x))) as tf.Tensor3D; // [B, N, d]
      const preNorm = (t: tf.Tensor) => this.norm2.apply(t);
      const postNorm = (t: tf.Tensor) => (this.postNorm ? this.postNorm.apply(t) : t);
      if (this.mlp instanceof MlpBlock) {
        const y = this.mlp.apply(this.wiring.denseInput(preNorm(a), state)); // [B, N, d]
        return { x: postNorm(tf.add(a, y)), state, routing: null } as unknown as tf.TensorContainer;
      }
      const moe = this.mlp;
      let routing: BlockRouting | null = null;
      const f = (point: tf.Tensor) => {
        const out = moe.apply(point as tf.Tensor3D);
        routing = out.routing;
        return out.y;
      };
      const rule = this.wiring.rule;
      if (rule === null) return { x: tf.add(a, f(preNorm(a))), state, routing } as unknown as tf.TensorContainer;
      const step = rule.step(a, f, state, { layer: moeLayer, preNorm, norm: postNorm });
      return { x: step.x, state: step.state, routing } as unknown as tf.TensorContainer;
    }) as unknown as EncoderBlockOutput;
  }
}
