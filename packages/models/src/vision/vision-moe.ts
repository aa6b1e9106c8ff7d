/**
 * The vision MoE models: V-MoE (Riquelme et al. 2021) and Soft MoE ViT (Puigcerver et al. 2023), with the momentum
 * variants of the MomentumSMoE paper.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { Module, Rng, assertShape, normalInit } from '@momentum-smoe/core';
import type { RuleState } from '@momentum-smoe/momentum';
import type { Linear } from '../nn/linear.js';
import { LayerNorm } from '../nn/layer-norm.js';
import { validateVisionConfig, type VisionMoEConfig } from './config.js';
import { VISION_LN_EPS, VisionEncoderBlock } from './encoder-block.js';
import { GroupedMoE, type BlockRouting } from './grouped-moe.js';
import { flaxLinear } from './init.js';
import { MlpBlock } from './mlp-block.js';
import { createMoELayer } from './moe-factory.js';
import { MomentumWiring } from './momentum-wiring.js';
import { PatchEmbedding } from './patch-embedding.js';
import { sigmoidCrossEntropy } from './loss.js';

/** Output of {@link VisionMoE.forward}. */
export interface VisionForwardOutput {
  /** `[B, numClasses]`. */
  logits: tf.Tensor2D;
  /** Σ over MoE blocks of each block's weighted aux loss (each averaged over routing groups), as V-MoE. */
  auxLoss: tf.Scalar;
  /** Unweighted named losses, summed over MoE blocks. */
  losses: Record<string, tf.Scalar>;
  /** One routing report per MoE block, in depth order. */
  blocks: BlockRouting[];
}

/** Output of {@link VisionMoE.loss}. */
export interface VisionLossOutput extends VisionForwardOutput {
  /** Sigmoid cross-entropy against one-hot labels, summed over classes, mean over images (scalar). */
  classification: tf.Scalar;
  /** `classification + auxLoss`, what training minimises (scalar). */
  loss: tf.Scalar;
}

/**
 * A pre-LN ViT whose MLPs in `config.moe.blocks` are MoEs: patch embedding, CLS token (or mean pooling), learned
 * position embeddings N(0, 0.02), encoder blocks, final LayerNorm, pre-logits `Dense + tanh`, and a head with a zero
 * kernel and bias −log(numClasses). Momentum state threads through the MoE blocks of one forward pass.
 * Noise, dropout and the capacity factor follow {@link Module.train}.
 * @example
 * ```ts
 * const model = new VisionMoE(visionPreset('vmoe-mnist'), { seed: 0 });
 * const { logits, auxLoss } = model.forward(images); // images: [B, 28, 28, 1] → logits: [B, 10]
 * ```
 */
export class VisionMoE extends Module {
  readonly config: VisionMoEConfig;
  readonly embedding: PatchEmbedding;
  /** `[1, 1, d]`, zeros (`token` classifier only). */
  readonly cls: tf.Variable<tf.Rank.R3> | null;
  /** `[1, tokens, d]`, N(0, 0.02). */
  readonly posEmbedding: tf.Variable<tf.Rank.R3>;
  readonly blocks: VisionEncoderBlock[];
  readonly encoderNorm: LayerNorm;
  readonly preLogits: Linear | null;
  readonly head: Linear;
  /** The momentum wiring shared by all blocks. */
  readonly wiring: MomentumWiring;

  /** Validates `config` (throws `ConfigError`) and builds the model from `seed` (default 0). */
  constructor(config: VisionMoEConfig, options: { seed?: number } = {}) {
    super();
    this.config = validateVisionConfig(config);
    const rng = new Rng(options.seed ?? 0);
    const { hidden: d, moe } = config;
    this.embedding = this.child('embedding', new PatchEmbedding({ ...config, rng }));
    this.cls = config.classifier === 'token' ? this.param('cls', tf.zeros([1, 1, d])) : null;
    this.posEmbedding = this.param('posEmbedding', normalInit(rng, [1, this.tokens, d], 0.02) as tf.Tensor3D);
    this.wiring = new MomentumWiring(config.momentum);
    if (this.wiring.rule) this.child('momentum', this.wiring.rule);
    this.blocks = [];
    for (let i = 0; i < config.blocks; i++) {
      const mlp = moe.blocks.includes(i)
        ? new GroupedMoE(createMoELayer(config, rng), moe.groupSize, i)
        : new MlpBlock(d, config.mlpDim, rng);
      this.blocks.push(
        this.child(
          `blocks.${i}`,
          new VisionEncoderBlock({ dim: d, heads: config.heads, mlp, wiring: this.wiring, rng }),
        ),
      );
    }
    this.encoderNorm = this.child('encoderNorm', new LayerNorm(d, VISION_LN_EPS));
    const rep = config.representationSize;
    this.preLogits =
      rep === null ? null : this.child('preLogits', flaxLinear(rng, d, rep, { kernel: 'lecun', bias: 'zeros' }));
    this.head = this.child(
      'head',
      flaxLinear(rng, rep ?? d, config.numClasses, { kernel: 'zeros', bias: -Math.log(config.numClasses) }),
    );
  }

  /** Tokens per image: patches, plus one for the CLS token. */
  get tokens(): number {
    return this.embedding.patches + (this.config.classifier === 'token' ? 1 : 0);
  }

  /** `images: [B, H, W, C]` (NHWC float32) → logits `[B, classes]`, aux losses and per-MoE-block routing reports. */
  forward(images: tf.Tensor4D): VisionForwardOutput {
    const { imageSize: s, channels: c } = this.config;
    assertShape(images, [null, s, s, c], `VisionMoE '${this.config.name}' images (NHWC float32)`);
    return tf.tidy(() => {
      const b = images.shape[0];
      const patches = this.embedding.apply(images); // [B, P, d]
      const tokens = this.cls ? tf.concat([tf.tile(this.cls, [b, 1, 1]), patches], 1) : patches; // [B, N, d]
      let x = tf.add(tokens, this.posEmbedding) as tf.Tensor3D;
      let state: RuleState = this.wiring.initState(x);
      const reports: BlockRouting[] = [];
      for (const block of this.blocks) {
        const out = block.apply(x, state, reports.length);
        ({ x, state } = out);
        if (out.routing) reports.push(out.routing);
      }
      const encoded = this.encoderNorm.apply(x); // [B, N, d]
      // pooled: [B, d]
      const pooled = this.cls ? tf.squeeze(tf.slice(encoded, [0, 0, 0], [b, 1, -1]), [1]) : tf.mean(encoded, 1);
      const rep = this.preLogits ? tf.tanh(this.preLogits.apply(pooled)) : pooled;
      const logits = this.head.apply(rep) as tf.Tensor2D; // [B, classes]
      const losses: Record<string, tf.Scalar> = {};
      for (const r of reports)
        for (const [k, v] of Object.entries(r.losses)) losses[k] = losses[k] ? tf.add(losses[k], v) : v;
      const auxLoss = (reports.length ? tf.addN(reports.map((r) => r.auxLoss)) : tf.scalar(0)) as tf.Scalar;
      return { logits, auxLoss, losses, blocks: reports } as unknown as tf.TensorContainer;
    }) as unknown as VisionForwardOutput;
  }

  /**
   * The V-MoE training objective: sigmoid cross-entropy plus `auxLoss`. `labels`: `[B]` int32 class ids (one-hot
   * targets), or `[B, classes]` float soft targets (mixup).
   * @example
   * ```ts
   * const { value } = tf.variableGrads(() => model.loss(images, labels).loss);
   * ```
   */
  loss(images: tf.Tensor4D, labels: tf.Tensor1D | tf.Tensor2D): VisionLossOutput {
    return tf.tidy(() => {
      const out = this.forward(images);
      const classification = sigmoidCrossEntropy(out.logits, labels);
      return { ...out, classification, loss: tf.add(classification, out.auxLoss) } as unknown as tf.TensorContainer;
    }) as unknown as VisionLossOutput;
  }
}
