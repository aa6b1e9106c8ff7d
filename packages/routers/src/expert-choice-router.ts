/**
 * Expert-choice routing (Zhou et al. 2022): experts pick tokens, so every expert is exactly full.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { Rng, assertShape, uniformInit } from '@momentum-smoe/core';
import type { ExpertChoicePlan } from './plan.js';
import { Router, type RouteOptions } from './router.js';
import { isReal, countReal, readMask } from './mask.js';
import { tidyPlan } from './plan-lifetime.js';
import { expertCapacity } from './capacity.js';
import { buildMetrics, meanEntropy } from './metrics.js';
import { weightedTotal } from './loss-weights.js';
import { routerZLoss } from './losses/z-loss.js';
import { lossWeightsValid, positiveFactor, positiveInt } from './validate.js';

/** Configuration of an {@link ExpertChoiceRouter}. */
export interface ExpertChoiceRouterConfig {
  /** Token width d. */
  dModel: number;
  /** Number of experts E. */
  experts: number;
  /** Average experts per token c: each expert takes `C = ceil(T·c/E)` tokens (at most T). Default 2. */
  capacityFactor?: number;
  /** Generator for the initial weights (U(±1/√d)); `new Rng(0)` when absent. */
  rng?: Rng;
  /** Weights in `auxLoss`: `zLoss` ({@link routerZLoss}, default 0). Expert choice needs no balance loss. */
  lossWeights?: {
    /** Weight of `zLoss`. */
    zLoss?: number;
  };
}

/** For each column e of `scores: [T, E]`, the `c` rows with the highest score (ties to the lower row), `[E, c]`. */
function topRowsPerColumn(
  scores: Float32Array,
  tokens: number,
  experts: number,
  c: number,
  valid: Float32Array | null,
): Int32Array {
  const out = new Int32Array(experts * c);
  const order = Int32Array.from({ length: tokens }, (_, t) => t);
  const key = new Float64Array(tokens);
  for (let e = 0; e < experts; e++) {
    for (let t = 0; t < tokens; t++) key[t] = isReal(valid, t) ? scores[t * experts + e]! : -Infinity;
    order.sort((a, b) => key[b]! - key[a]! || a - b);
    out.set(order.subarray(0, c), e * c);
  }
  return out;
}

/**
 * Each expert takes its top-C tokens by `probs = softmax(x·W)` (softmax over experts, no bias); a token may be taken
 * by several experts or by none (dropped). Combine weight of (e, c) is `probs[token, e]`. Padding is never taken
 * while real tokens remain (a padding pick gets weight 0). Parameter: `weight: [d, E]`.
 * @example
 * ```ts
 * const router = new ExpertChoiceRouter({ dModel: 8, experts: 4, capacityFactor: 2, rng: new Rng(4) });
 * const plan = router.route(tf.randomNormal([16, 8])); // plan.tokenIndices: [4, 8]
 * ```
 */
export class ExpertChoiceRouter extends Router {
  readonly experts: number;
  /** Token width d. */
  readonly dModel: number;
  /** Gate weight `[d, E]`. */
  readonly weight: tf.Variable<tf.Rank.R2>;
  private readonly capacityFactor: number;
  private readonly lossWeights: Record<string, number | undefined>;

  constructor(config: ExpertChoiceRouterConfig) {
    super(config.rng);
    positiveInt('ExpertChoiceRouter', 'dModel', config.dModel);
    positiveInt('ExpertChoiceRouter', 'experts', config.experts);
    this.capacityFactor = config.capacityFactor ?? 2;
    positiveFactor('ExpertChoiceRouter', 'capacityFactor', this.capacityFactor);
    this.lossWeights = { zLoss: 0, ...config.lossWeights };
    lossWeightsValid('ExpertChoiceRouter', this.lossWeights);
    this.experts = config.experts;
    this.dModel = config.dModel;
    const rng = config.rng ?? new Rng(0);
    this.weight = this.param(
      'weight',
      uniformInit(rng, [config.dModel, config.experts], 1 / Math.sqrt(config.dModel)) as tf.Tensor2D,
    );
  }

  /** Routes `x: [T, d]` (optional `mask: [T]`). Legend: probs [T, E] → tokenIndices, weights [E, C]. */
  route(x: tf.Tensor2D, options: RouteOptions = {}): ExpertChoicePlan {
    assertShape(x, [null, this.dModel], 'ExpertChoiceRouter input x (tokens × dModel)');
    return this.routeTrusted(x, options);
  }

  /** {@link ExpertChoiceRouter.route} for `x` already checked to be `[T, dModel]`. */
  override routeTrusted(x: tf.Tensor2D, options: RouteOptions = {}): ExpertChoicePlan {
    const tokens = x.shape[0];
    const experts = this.experts;
    const valid = readMask(options.mask, tokens, 'ExpertChoiceRouter');
    const capacity = expertCapacity({ tokens, experts, topK: 1, factor: this.capacityFactor });
    return tidyPlan(() => {
      const logits = tf.matMul<tf.Tensor2D>(x, this.weight); // [T, E]
      const logProbs: tf.Tensor2D = tf.logSoftmax(logits);
      const probs = tf.exp(logProbs); // [T, E]
      const picks = topRowsPerColumn(probs.dataSync() as Float32Array, tokens, experts, capacity, valid); // [E, C]
      const flat = new Int32Array(experts * capacity); // position of (token, e) in probs flattened
      const real = new Float32Array(experts * capacity);
      const counts = new Float32Array(experts);
      const taken = new Uint8Array(tokens);
      for (let i = 0; i < experts * capacity; i++) {
        const t = picks[i]!;
        const e = Math.floor(i / capacity);
        flat[i] = t * experts + e;
        if (isReal(valid, t)) {
          real[i] = 1;
          counts[e]! += 1;
          taken[t] = 1;
        }
      }
      const picked = tf.gather(tf.reshape(probs, [-1]), tf.tensor1d(flat, 'int32')); // [E·C]
      const weights = tf.reshape(tf.mul(picked, tf.tensor1d(real)), [experts, capacity]) as tf.Tensor2D;
      const realTokens = countReal(valid, tokens);
      const dropped = realTokens - taken.reduce((a, b) => a + b, 0);
      const losses = { zLoss: routerZLoss(logits, options.mask) };
      return {
        kind: 'expert-choice' as const,
        experts,
        tokenIndices: tf.tensor2d(picks, [experts, capacity], 'int32'),
        weights,
        capacity,
        losses,
        auxLoss: weightedTotal(losses, this.lossWeights),
        metrics: buildMetrics(counts, realTokens === 0 ? 0 : dropped / realTokens, meanEntropy(logProbs, options.mask)),
      };
    });
  }
}
