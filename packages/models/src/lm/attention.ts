/**
 * The official sequential multi-head attention with a relative position embedding
 * (docs/paper-notes.md#the-language-model-backbone): each query sees exactly the L previous positions (not itself),
 * keys and values are `[cache ; block]`.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { Module, type Rng, assertShape, relativeSoftmax, skewOps } from '@momentum-smoe/core';
import { Linear } from '../nn/linear.js';
import { dropout } from '../nn/dropout.js';

/**
 * `_unskew`: scores over `[cache ; block]` keys → scores over relative offsets. Row i of the result takes
 * `x[i, i .. i+L−1]`, i.e. the L positions before query i (oldest first), with three reshapes, a pad and a slice.
 * x: [N, M, L+M] → [N, M, L]
 */
export function unskew(x: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const [n, m, lm] = x.shape;
    const l = lm - m;
    const flat = tf.pad(tf.reshape(x, [n, m * lm]), [
      [0, 0],
      [0, m],
    ]); // [N, M(L+M+1)]
    return tf.slice(tf.reshape(flat, [n, m, lm + 1]), [0, 0, 0], [n, m, l]) as tf.Tensor3D;
  });
}

/**
 * `_skew`, the inverse placement of {@link unskew}: relative-offset weights → weights over `[cache ; block]` keys,
 * with zeros outside each query's window. x: [N, M, L] → [N, M, L+M] (`skewOps` of @momentum-smoe/core; the
 * attention itself gets this placement from `relativeSoftmax`'s `skewed` output).
 */
export function skew(x: tf.Tensor3D): tf.Tensor3D {
  return skewOps(x);
}

/** Options of {@link MultiHeadSeqAttention}. */
export interface SeqAttentionOptions {
  /** Model width H. */
  dModel: number;
  /** Heads K (H = K·d_head). */
  heads: number;
  /** Attention span L. */
  attnSpan: number;
  /** Dropout on the attention probabilities. */
  dropout: number;
  /** Seeded generator for the weights and the dropout masks. */
  rng: Rng;
}

/**
 * Multi-head sequential attention, PyTorch names `proj_query`, `proj_out`, `proj_val`, `proj_key` (no biases).
 * score(i, j) = (q_i·k_j + q_i·pe_{i−j}) / √d_head over the L positions j = i−L … i−1, softmax, dropout.
 * The relative embedding `keyPe: [1, d_head, L]` is owned by the model and shared by all layers and heads.
 * @example
 * ```ts
 * const attn = new MultiHeadSeqAttention({ dModel: 32, heads: 4, attnSpan: 16, dropout: 0, rng: new Rng(0) });
 * const out = attn.apply(h, cache, keyPe); // h: [B, M, 32], cache: [B, 16, 32], keyPe: [1, 8, 16] → [B, M, 32]
 * ```
 */
export class MultiHeadSeqAttention extends Module {
  /** Query projection H → H, no bias. */
  readonly proj_query: Linear;
  /** Output projection H → H, no bias. */
  readonly proj_out: Linear;
  /** Value projection H → H, no bias. */
  readonly proj_val: Linear;
  /** Key projection H → H, no bias. */
  readonly proj_key: Linear;
  private readonly dHead: number;

  constructor(private readonly options: SeqAttentionOptions) {
    super();
    const { dModel, heads, rng } = options;
    this.dHead = dModel / heads;
    this.proj_query = this.child('proj_query', new Linear(dModel, dModel, { rng, bias: false }));
    this.proj_out = this.child('proj_out', new Linear(dModel, dModel, { rng, bias: false }));
    this.proj_val = this.child('proj_val', new Linear(dModel, dModel, { rng, bias: false }));
    this.proj_key = this.child('proj_key', new Linear(dModel, dModel, { rng, bias: false }));
  }

  /** x: [B, T, H] → [B·K, T, d_head] */
  private splitHeads(x: tf.Tensor3D): tf.Tensor3D {
    const [b, t] = x.shape;
    const { heads } = this.options;
    return tf.reshape(tf.transpose(tf.reshape(x, [b, t, heads, this.dHead]), [0, 2, 1, 3]), [b * heads, t, this.dHead]);
  }

  /** h: [B, M, H], cache: [B, L, H], keyPe: [1, d_head, L] → [B, M, H] */
  apply(h: tf.Tensor3D, cache: tf.Tensor3D, keyPe: tf.Tensor3D): tf.Tensor3D {
    const { dModel, heads, attnSpan: l } = this.options;
    const [b, m] = h.shape;
    assertShape(h, [null, null, dModel], 'attention input h');
    assertShape(cache, [b, l, dModel], 'attention cache (the last attnSpan inputs of this layer)');
    assertShape(keyPe, [1, this.dHead, l], 'key_pe');
    return tf.tidy(() => {
      const all = tf.concat([cache, h], 1); // [B, L+M, H]
      const q = this.splitHeads(this.proj_query.apply(h)); // [BK, M, D]
      const k = this.splitHeads(this.proj_key.apply(all)); // [BK, L+M, D]
      const v = this.splitHeads(this.proj_val.apply(all)); // [BK, L+M, D]
      const qFlat = tf.reshape(q, [b * heads * m, this.dHead]);
      const position = tf.reshape(tf.matMul(qFlat, tf.reshape(keyPe, [this.dHead, l])), [
        b * heads,
        m,
        l,
      ]) as tf.Tensor3D;
      // skew(softmax((unskew(q·kᵀ) + position) / √d_head)): the weights on the [cache ; block] keys, zero outside
      // each query's window, in one kernel each way on wasm (no separate skew)
      const scale = 1 / Math.sqrt(this.dHead);
      const weights = relativeSoftmax(tf.matMul(q, k, false, true), position, scale, { skewed: true }); // [BK, M, L+M]
      const probs = dropout(weights, this.options.dropout, this.training, this.options.rng);
      const out = tf.matMul(probs, v); // [BK, M, D]
      const merged = tf.reshape(tf.transpose(tf.reshape(out, [b, heads, m, this.dHead]), [0, 2, 1, 3]), [b, m, dModel]);
      return this.proj_out.apply(merged as tf.Tensor3D);
    });
  }
}
