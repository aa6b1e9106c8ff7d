/**
 * One layer of the official backbone (`TransformerSeqLayer`): attention, then an MoE or a dense sublayer, post-LN.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { Module, type Rng } from '@momentum-smoe/core';
import type { ResidualRule, RuleState } from '@momentum-smoe/momentum';
import type { LmConfig } from './config.js';
import type { LayerSpec } from './arch.js';
import { MultiHeadSeqAttention } from './attention.js';
import { MoeSublayer } from './moe-sublayer.js';
import { FeedForward } from './feed-forward.js';
import { LayerNorm } from '../nn/layer-norm.js';
import { buildLayerReport, type LmLayerReport } from './layer-report.js';

/** What one layer returns. */
export interface LayerOutput {
  /** The layer output: [B, M, H]. */
  h: tf.Tensor3D;
  /** The momentum state for the next MoE layer (unchanged by dense layers). */
  state: RuleState;
  /** The router's weighted auxiliary loss of this layer (0 for dense layers). */
  auxLoss: tf.Scalar;
  /** Routing and momentum diagnostics of an MoE layer, null for a dense layer. */
  report: LmLayerReport | null;
}

/**
 * `h1 = norm1(h + attn(h, [cache; h]))`, then for an MoE layer `h2 = norm2(h1 + s)` with `s` from the
 * {@link MoeSublayer} (its own residual + `layer_norm` inside), or for a dense layer `h2 = norm3(h1 + ff(h1))`.
 * PyTorch names: `attn.*`, `smoe.*` or `ff.*`, and `norm1`, `norm2`, `norm3`, all three created in every layer as
 * the official code does, so that state_dicts round-trip.
 */
export class TransformerSeqLayer extends Module {
  /** The attention sublayer. */
  readonly attn: MultiHeadSeqAttention;
  /** The MoE sublayer (`g m a r` layers), else null. */
  readonly smoe: MoeSublayer | null;
  /** The dense feed-forward (`f` layers), else null. */
  readonly ff: FeedForward | null;
  /** LayerNorm after attention. */
  readonly norm1: LayerNorm;
  /** LayerNorm after the MoE sublayer. */
  readonly norm2: LayerNorm;
  /** LayerNorm after the dense feed-forward (created in every layer, as the official code does). */
  readonly norm3: LayerNorm;

  constructor(
    readonly spec: LayerSpec,
    config: LmConfig,
    rule: ResidualRule | null,
    rng: Rng,
  ) {
    super();
    const { dModel, dHidden, heads, attnSpan, dropout, experts, topK, loadBalance } = config;
    this.attn = this.child('attn', new MultiHeadSeqAttention({ dModel, heads, attnSpan, dropout, rng }));
    if (spec.sublayer === 'f') {
      this.smoe = null;
      this.ff = this.child('ff', new FeedForward({ dModel, dHidden, dropout, rng }));
    } else {
      if (rule === null) throw new Error(`layer with sublayer '${spec.sublayer}' needs a residual rule`);
      this.smoe = this.child(
        'smoe',
        new MoeSublayer({ dModel, dHidden, experts, topK, dropout, loadBalance, rule, rng }),
      );
      this.ff = null;
    }
    this.norm1 = this.child('norm1', new LayerNorm(dModel));
    this.norm2 = this.child('norm2', new LayerNorm(dModel));
    this.norm3 = this.child('norm3', new LayerNorm(dModel));
  }

  /** h: [B, M, H], cache: [B, L, H] (this layer's last L inputs), keyPe: [1, d_head, L] → h: [B, M, H]. */
  apply(h: tf.Tensor3D, cache: tf.Tensor3D, keyPe: tf.Tensor3D, state: RuleState): LayerOutput {
    const h1 = this.norm1.apply(tf.add(h, this.attn.apply(h, cache, keyPe)) as tf.Tensor3D);
    if (this.smoe !== null) {
      const s = this.smoe.apply(h1, state, this.spec.moeLayer);
      // SMoE (`g`) layers pass a momentum state on unchanged, as the official code does in mixed stacks.
      const next = this.spec.sublayer === 'g' ? state : s.state;
      const report = buildLayerReport(this.spec.layer, s.metrics, s.state);
      return { h: this.norm2.apply(tf.add(h1, s.out) as tf.Tensor3D), state: next, auxLoss: s.auxLoss, report };
    }
    const ffOut = this.ff!.apply(h1);
    return { h: this.norm3.apply(tf.add(h1, ffOut) as tf.Tensor3D), state, auxLoss: tf.scalar(0), report: null };
  }
}
