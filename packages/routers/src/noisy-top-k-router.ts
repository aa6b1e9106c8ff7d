/**
 * V-MoE's router (Riquelme et al. 2021, `NoisyTopExpertsPerItemRouter`).
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, Rng, assertShape, uniformInit } from '@momentum-smoe/core';
import type { TokenChoicePlan } from './plan.js';
import { Router, type RouteOptions } from './router.js';
import { pickSlots, slotOneHot, topKRows } from './selection.js';
import { checkMask, readMask } from './mask.js';
import { deviceTopKOneHot, oneHotIds } from './device-selection.js';
import { deviceFillCapacity } from './device-capacity.js';
import { deviceCapacityPlan } from './device-capacity-plan.js';
import { type RoutingMode, resolveRouting } from './routing-mode.js';
import { tidyPlan } from './plan-lifetime.js';
import { expertCapacity, fillCapacity, priorityOrder } from './capacity.js';
import { importanceLoss, loadLoss } from './losses/vmoe.js';
import { routerZLoss } from './losses/z-loss.js';
import { tokenChoicePlan } from './token-choice-plan.js';
import { lossWeightsValid, nonNegative, positiveFactor, positiveInt, topKInRange } from './validate.js';

/** Configuration of a {@link NoisyTopKRouter}. */
export interface NoisyTopKRouterConfig {
  /** Token width d. */
  dModel: number;
  /** Number of experts E. */
  experts: number;
  /** Experts per token k. Default 2. */
  topK?: number;
  /** Initial weights (U(±1/√d)) and the training noise draw from it. Required when `noiseStd > 0`. */
  rng?: Rng;
  /** Noise scale: the logits get N(0, (noiseStd/E)²) in training. Default 1 (std 1/E). */
  noiseStd?: number;
  /** Capacity factor in training. Default 1.05 (the paper's V-MoE). */
  capacityFactor?: number;
  /** Capacity factor in evaluation. Default 4.0. */
  evalCapacityFactor?: number;
  /** Fill buffers in order of each token's top gate value. Default true (V-MoE's batch-priority routing). */
  batchPriority?: boolean;
  /** Weights in `auxLoss`: `importance` (default 0.005), `load` (default 0.005), `zLoss` (default 0). */
  lossWeights?: {
    /** Weight of `importance`. */
    importance?: number;
    /** Weight of `load`. */
    load?: number;
    /** Weight of `zLoss`. */
    zLoss?: number;
  };
  /** Where the top-k choice and the capacity drops are made ({@link RoutingMode}); default `auto`. */
  routing?: RoutingMode;
}

/**
 * Noisy top-k router: `gates = softmax(x·W + noise)` over all E (no bias; noise only in training), top-k on the
 * gates, combine weights are the chosen gates (not renormalised), capacity `C = ceil(k·T·cf/E)` rounded up to a
 * multiple of 4 and at most T, buffers filled with batch priority. Losses: `importance` always, `load` only when noise
 * was drawn (as V-MoE), `zLoss`. Parameter: `weight: [d, E]`.
 * @example
 * ```ts
 * const router = new NoisyTopKRouter({ dModel: 8, experts: 4, topK: 2, rng: new Rng(3) });
 * const plan = router.route(tf.randomNormal([32, 8])); // plan.capacity === 20 (ceil(2·32·1.05/4)=17 → 20)
 * ```
 */
export class NoisyTopKRouter extends Router {
  readonly experts: number;
  /** Experts per token k. */
  readonly topK: number;
  /** Token width d. */
  readonly dModel: number;
  /** Gate weight `[d, E]`. */
  readonly weight: tf.Variable<tf.Rank.R2>;
  /**
   * Where the top-k choice and the capacity drops are made: `host` (one read of the gates per call, and of the mask;
   * the plan carries `hostIndices`), `device` (no read; `hostIndices` is `null`) or `auto` (device on the webgpu
   * backend). Both give the same plan values and gradients, and draw the same noise; set it to force a path.
   */
  routing: RoutingMode;
  private readonly noiseStd: number;
  private readonly capacityFactor: number;
  private readonly evalCapacityFactor: number;
  private readonly batchPriority: boolean;
  private readonly lossWeights: Record<string, number | undefined>;

  constructor(config: NoisyTopKRouterConfig) {
    super(config.rng);
    positiveInt('NoisyTopKRouter', 'dModel', config.dModel);
    positiveInt('NoisyTopKRouter', 'experts', config.experts);
    this.topK = config.topK ?? 2;
    topKInRange('NoisyTopKRouter', this.topK, config.experts);
    this.noiseStd = config.noiseStd ?? 1;
    nonNegative('NoisyTopKRouter', 'noiseStd', this.noiseStd);
    if (this.noiseStd > 0 && config.rng === undefined) {
      throw new ConfigError(
        'NoisyTopKRouter: noise in training needs a generator: pass rng (e.g. new Rng(seed)) or noiseStd: 0',
      );
    }
    this.capacityFactor = config.capacityFactor ?? 1.05;
    this.evalCapacityFactor = config.evalCapacityFactor ?? 4;
    positiveFactor('NoisyTopKRouter', 'capacityFactor', this.capacityFactor);
    positiveFactor('NoisyTopKRouter', 'evalCapacityFactor', this.evalCapacityFactor);
    this.batchPriority = config.batchPriority ?? true;
    this.lossWeights = { importance: 0.005, load: 0.005, zLoss: 0, ...config.lossWeights };
    lossWeightsValid('NoisyTopKRouter', this.lossWeights);
    this.experts = config.experts;
    this.dModel = config.dModel;
    this.routing = config.routing ?? 'auto';
    const rng = config.rng ?? new Rng(0);
    this.weight = this.param(
      'weight',
      uniformInit(rng, [config.dModel, config.experts], 1 / Math.sqrt(config.dModel)) as tf.Tensor2D,
    );
  }

  /** Routes `x: [T, d]` (optional `mask: [T]`). Legend: gates [T, E] → indices, weights, kept [T, k]. */
  route(x: tf.Tensor2D, options: RouteOptions = {}): TokenChoicePlan {
    assertShape(x, [null, this.dModel], 'NoisyTopKRouter input x (tokens × dModel)');
    return this.routeTrusted(x, options);
  }

  /** {@link NoisyTopKRouter.route} for `x` already checked to be `[T, dModel]`. */
  override routeTrusted(x: tf.Tensor2D, options: RouteOptions = {}): TokenChoicePlan {
    return resolveRouting(this.routing) === 'device' ? this.routeOnDevice(x, options) : this.routeOnHost(x, options);
  }

  /** Training noise, capacity and the logits: what both paths share (the noise is drawn on the host and uploaded). */
  private prepare(x: tf.Tensor2D) {
    const tokens = x.shape[0];
    const { experts, topK } = this;
    const sigma = this.noiseStd / experts;
    const noisy = this.training && sigma > 0;
    const factor = this.training ? this.capacityFactor : this.evalCapacityFactor;
    const capacity = expertCapacity({ tokens, experts, topK, factor, multipleOf: 4 });
    const logits = tf.matMul<tf.Tensor2D>(x, this.weight); // [T, E]
    const noisyLogits: tf.Tensor2D = noisy
      ? tf.add<tf.Tensor2D>(logits, tf.tensor2d(this.rng!.normalArray(tokens * experts, 0, sigma), [tokens, experts]))
      : logits;
    return { tokens, sigma, noisy, capacity, logits, noisyLogits };
  }

  /** `importance` always, `load` only when noise was drawn, `zLoss`. */
  private losses(
    p: ReturnType<NoisyTopKRouter['prepare']>,
    indices: tf.Tensor2D,
    mask: tf.Tensor1D | undefined,
  ): Record<string, tf.Scalar> {
    const { logits, noisyLogits, sigma } = p;
    const losses: Record<string, tf.Scalar> = { importance: importanceLoss(tf.softmax(logits), mask) };
    if (p.noisy) losses['load'] = loadLoss({ logits, noisyLogits, indices, noiseStd: sigma, mask });
    losses['zLoss'] = routerZLoss(logits, mask);
    return losses;
  }

  /** The host path: gates (and the mask) read back once, top-k and capacity on the host copy. */
  private routeOnHost(x: tf.Tensor2D, options: RouteOptions): TokenChoicePlan {
    const tokens = x.shape[0];
    const { experts, topK } = this;
    const valid = readMask(options.mask, tokens, 'NoisyTopKRouter');
    return tidyPlan(() => {
      const p = this.prepare(x);
      const gates: tf.Tensor2D = tf.softmax(p.noisyLogits); // [T, E]
      const gateData = gates.dataSync();
      const choices = topKRows(gateData, tokens, experts, topK); // [T, k]
      const indices = tf.tensor2d(choices, [tokens, topK], 'int32');
      const order = this.batchPriority
        ? priorityOrder(Float32Array.from({ length: tokens }, (_, t) => gateData[t * experts + choices[t * topK]!]!))
        : null;
      return tokenChoicePlan({
        experts,
        topK,
        indices,
        choices,
        kept: fillCapacity(choices, tokens, topK, experts, p.capacity, order, valid),
        gates: pickSlots(gates, slotOneHot(choices, tokens, topK, experts)), // [T, k]
        logProbs: tf.logSoftmax(p.noisyLogits),
        valid,
        mask: options.mask,
        capacity: p.capacity,
        losses: this.losses(p, indices, options.mask),
        lossWeights: this.lossWeights,
      });
    });
  }

  /** The device path: the same plan from device ops only (no read; `hostIndices` is `null`). */
  private routeOnDevice(x: tf.Tensor2D, options: RouteOptions): TokenChoicePlan {
    checkMask(options.mask, x.shape[0], 'NoisyTopKRouter');
    return tidyPlan(() => {
      const p = this.prepare(x);
      const gates: tf.Tensor2D = tf.softmax(p.noisyLogits); // [T, E]
      const oneHot = deviceTopKOneHot(gates, this.topK); // [T, k, E]
      const indices = oneHotIds(oneHot); // [T, k]
      const chosen = pickSlots(gates, oneHot); // [T, k]
      const priority = this.batchPriority ? (tf.reshape(tf.slice(chosen, [0, 0], [-1, 1]), [-1]) as tf.Tensor1D) : null;
      return deviceCapacityPlan({
        experts: this.experts,
        indices,
        oneHot,
        kept: deviceFillCapacity(oneHot, priority, p.capacity, options.mask),
        gates: chosen,
        logProbs: tf.logSoftmax(p.noisyLogits),
        mask: options.mask,
        capacity: p.capacity,
        losses: this.losses(p, indices, options.mask),
        lossWeights: this.lossWeights,
      });
    });
  }
}
