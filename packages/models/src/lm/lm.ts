/**
 * The official WikiText-103 language model (`TransformerSeq`, docs/paper-notes.md#the-language-model-backbone):
 * embedding, a stack of attention + SMoE / MomentumSMoE / AdamSMoE (or GLaM's dense) layers, untied output
 * projection, log-softmax.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { Module, Rng, assertShape, normalInit } from '@momentum-smoe/core';
import type { ResidualRule, RuleState } from '@momentum-smoe/momentum';
import { type LmConfig, validateLmConfig } from './config.js';
import { type LayerSpec, parseArch } from './arch.js';
import { TransformerSeqLayer } from './layer.js';
import { modelRules } from './rules.js';
import { Embedding } from '../nn/embedding.js';
import { Linear } from '../nn/linear.js';
import type { LmLayerReport } from './layer-report.js';
import { projectedNll } from './nll-head.js';

/** An ordered list of child modules named `0`, `1`, … (PyTorch's `nn.ModuleList`), so names read `layers.3.…`. */
export class ModuleList<M extends Module> extends Module {
  /** The modules, in order. */
  readonly items: M[] = [];
  /** Appends `module` as child number `items.length`. */
  push(module: M): void {
    this.child(String(this.items.length), module);
    this.items.push(module);
  }
}

/** The attention cache: per layer, that layer's inputs at the last `attnSpan` positions, `[B, L, H]` each. */
export type LmCache = tf.Tensor3D[];

/** What {@link SmoeLanguageModel.forward} returns. */
export interface LmForward {
  /** Log-probabilities of the next token: [B, M, V]. */
  logProbs: tf.Tensor3D;
  /** The cache for the next block (carry it between blocks; it carries no gradient into the next block). */
  nextCache: LmCache;
  /** Routers' weighted auxiliary losses summed over layers (scalar; 0 with the official no-balance-loss gate). */
  auxLoss: tf.Scalar;
  /** Routing and momentum diagnostics, one per MoE layer in depth order (the caller disposes them). */
  layers: LmLayerReport[];
}

/** What {@link SmoeLanguageModel.loss} returns. */
export interface LmLoss {
  /** `nll + auxLoss`, what training minimises (scalar). */
  loss: tf.Scalar;
  /** Mean negative log-likelihood per token, in nats (scalar). */
  nll: tf.Scalar;
  /** Routers' weighted auxiliary losses (scalar). */
  auxLoss: tf.Scalar;
  /** The cache for the next block. */
  nextCache: LmCache;
  /** Routing and momentum diagnostics, one per MoE layer in depth order (the caller disposes them). */
  layers: LmLayerReport[];
}

/** The model up to the last hidden states. */
interface TrunkOutput {
  /** Last layer's output: [B, M, H]. */
  h: tf.Tensor3D;
  nextCache: LmCache;
  auxLoss: tf.Scalar;
  layers: LmLayerReport[];
}

/**
 * The SMoE language model with the official backbone and PyTorch parameter names (`in_emb.weight`,
 * `out_emb.{weight,bias}`, `key_pe`, `layers.{i}.…`). The momentum state flows along depth inside one
 * {@link SmoeLanguageModel.forward} (zeros at every block); the attention cache flows along time, in and out of it.
 * @example
 * ```ts
 * const model = new SmoeLanguageModel(lmPreset('momentum-smoe-tiny', { vocab: 1000 }), { rng: new Rng(1) });
 * let cache = model.initCache(8);
 * const { loss, nextCache } = model.loss(x, y, cache); // x, y: [8, 64] int32
 * ```
 */
export class SmoeLanguageModel extends Module {
  /** The validated configuration. */
  readonly config: LmConfig;
  /** One entry per layer, from the architecture string. */
  readonly specs: readonly LayerSpec[];
  /** Token embedding `in_emb`: [V, H], N(0, 1). */
  readonly in_emb: Embedding;
  /** Untied output projection `out_emb` with bias: H → V. */
  readonly out_emb: Linear;
  /** The relative position embedding shared by every layer and head: [1, d_head, L]. */
  readonly key_pe: tf.Variable<tf.Rank.R3>;
  /** The layers `layers.{i}`. */
  readonly layers: ModuleList<TransformerSeqLayer>;
  /** The rule whose state threads through depth (the momentum rule, or the plain residual for SMoE). */
  private readonly stateRule: ResidualRule;

  /** @param config validated by {@link validateLmConfig} (library or JSON field names). */
  constructor(config: LmConfig | Record<string, unknown>, options: { rng?: Rng } = {}) {
    super();
    this.config = validateLmConfig(config);
    const { vocab, dModel, heads, attnSpan } = this.config;
    const rng = options.rng ?? new Rng(0);
    this.specs = parseArch(this.config.base, this.config.arch, this.config.layers);
    this.in_emb = this.child('in_emb', new Embedding(vocab, dModel, rng));
    this.out_emb = this.child('out_emb', new Linear(dModel, vocab, { rng }));
    this.key_pe = this.param('key_pe', normalInit(rng, [1, dModel / heads, attnSpan]) as tf.Tensor3D);
    const rules = modelRules(this.specs, this.config);
    this.stateRule = rules.stateRule;
    this.layers = this.child('layers', new ModuleList<TransformerSeqLayer>());
    for (const spec of this.specs)
      this.layers.push(new TransformerSeqLayer(spec, this.config, rules.ruleFor(spec.sublayer), rng));
  }

  /** A zero cache for `batch` streams: one `[batch, attnSpan, dModel]` tensor per layer (the caller owns it). */
  initCache(batch: number): LmCache {
    return this.specs.map(() => tf.zeros([batch, this.config.attnSpan, this.config.dModel]) as tf.Tensor3D);
  }

  /**
   * One block. ids: [B, M] int32, cache: one [B, L, H] per layer → log-probabilities [B, M, V], the next cache, the
   * auxiliary loss and one {@link LmLayerReport} per MoE layer. Every returned tensor is new and the caller's (free
   * the reports with {@link disposeLayerReports}); the input cache is not disposed.
   */
  forward(ids: tf.Tensor2D, cache: LmCache): LmForward {
    return tf.tidy(() => {
      const { h, ...rest } = this.trunk(ids, cache);
      const logProbs = tf.logSoftmax(this.out_emb.apply(h), -1) as tf.Tensor3D; // [B, M, V]
      return { logProbs, ...rest };
    });
  }

  /**
   * Forward plus the mean NLL of `targets` ([B, M] int32, values in [0, V)), computed by {@link projectedNll}
   * without log-probabilities. In a training step, keep the next cache (and the reports, with
   * {@link keepLayerReports}, when logging them) out of the gradient scope with `tf.keep` (see the package README).
   */
  loss(ids: tf.Tensor2D, targets: tf.Tensor2D, cache: LmCache): LmLoss {
    assertShape(targets, ids.shape, 'targets (same shape as ids)');
    return tf.tidy(() => {
      const { h, nextCache, auxLoss, layers } = this.trunk(ids, cache);
      const hFlat = tf.reshape(h, [-1, this.config.dModel]) as tf.Tensor2D; // [B·M, H]
      const nll = projectedNll(
        hFlat,
        this.out_emb.weight,
        this.out_emb.bias!,
        tf.reshape(targets, [-1]) as tf.Tensor1D,
      );
      return { loss: tf.add(nll, auxLoss) as tf.Scalar, nll, auxLoss, nextCache, layers };
    });
  }

  /** Embedding and layers. ids: [B, M] int32, cache: one [B, L, H] per layer → h: [B, M, H], next cache, reports. */
  private trunk(ids: tf.Tensor2D, cache: LmCache): TrunkOutput {
    const { attnSpan: l, dModel } = this.config;
    const [b, m] = ids.shape;
    if (cache.length !== this.specs.length) {
      throw new RangeError(
        `cache has ${cache.length} entries, the model has ${this.specs.length} layers; use initCache(batch)`,
      );
    }
    cache.forEach((c, i) => assertShape(c, [b, l, dModel], `cache[${i}] (use initCache(${b}))`));
    let h = this.in_emb.apply(ids) as tf.Tensor3D; // [B, M, H]
    // Depth: the residual rule's state starts at zero for every block and is threaded through the layers.
    let state: RuleState = this.stateRule.initState(h);
    const auxLosses: tf.Scalar[] = [];
    const layers: LmLayerReport[] = [];
    // Time: each layer's next cache is its last L inputs (Transformer-XL memory), independent of the state above.
    const nextCache: LmCache = [];
    this.layers.items.forEach((layer, i) => {
      const past = cache[i]!;
      nextCache.push(
        l > m
          ? (tf.concat([tf.slice(past, [0, m, 0], [b, l - m, dModel]), h], 1) as tf.Tensor3D)
          : tf.slice(h, [0, m - l, 0], [b, l, dModel]),
      );
      const out = layer.apply(h, past, this.key_pe, state);
      h = out.h;
      state = out.state;
      auxLosses.push(out.auxLoss);
      if (out.report) layers.push(out.report);
    });
    return { h, nextCache, auxLoss: tf.addN(auxLosses) as tf.Scalar, layers };
  }
}
