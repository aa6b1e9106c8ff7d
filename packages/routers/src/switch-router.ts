/**
 * Switch Transformer router (Fedus et al. 2022): top-1 with capacity.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, Rng, assertShape, uniformInit } from '@momentum-smoe/core';
import type { TokenChoicePlan } from './plan.js';
import { Router, type RouteOptions } from './router.js';
import { pickSlots, slotOneHot, topKRows } from './selection.js';
import { readMask } from './mask.js';
import { tidyPlan } from './plan-lifetime.js';
import { expertCapacity, fillCapacity, priorityOrder } from './capacity.js';
import { switchBalanceLoss } from './losses/balance.js';
import { routerZLoss } from './losses/z-loss.js';
import { droplessKept, tokenChoicePlan } from './token-choice-plan.js';
import { lossWeightsValid, nonNegative, positiveFactor, positiveInt } from './validate.js';

/** Configuration of a {@link SwitchRouter}. */
export interface SwitchRouterConfig {
  /** Token width d. */
  dModel: number;
  /** Number of experts E. */
  experts: number;
  /**
   * Initial weights (U(±1/√d)) and, in training, the jitter draw from it; `new Rng(0)` when absent and no jitter.
   */
  rng?: Rng;
  /** Multiplicative input jitter ε in training: x · U(1−ε, 1+ε). Default 0 (off); needs `rng` when > 0. */
  jitter?: number;
  /** Capacity factor in training; `null` makes the router dropless. Default 1.25. */
  capacityFactor?: number | null;
  /** Capacity factor in evaluation; defaults to `capacityFactor`. */
  evalCapacityFactor?: number | null;
  /**
   * Fill buffers in order of each token's top gate value (batch-priority routing) instead of position. Default false.
   */
  batchPriority?: boolean;
  /**
   * Weights in `auxLoss`: `balance` ({@link switchBalanceLoss}, default 0.01), `zLoss` ({@link routerZLoss},
   * default 0).
   */
  lossWeights?: {
    /** Weight of `balance`. */
    balance?: number;
    /** Weight of `zLoss`. */
    zLoss?: number;
  };
}

/**
 * Top-1 router: `probs = softmax(x·W)` (no bias), each token goes to its argmax with weight `probs[argmax]` (not
 * renormalised), and each expert keeps at most `C = ceil(T·cf/E)` tokens; the rest are dropped (weight 0).
 * Parameter: `weight: [d, E]`.
 * @example
 * ```ts
 * const router = new SwitchRouter({ dModel: 8, experts: 4, capacityFactor: 1, rng: new Rng(2) });
 * const plan = router.route(tf.randomNormal([16, 8])); // plan.capacity === 4
 * ```
 */
export class SwitchRouter extends Router {
  readonly experts: number;
  /** Token width d. */
  readonly dModel: number;
  /** Gate weight `[d, E]`. */
  readonly weight: tf.Variable<tf.Rank.R2>;
  private readonly jitter: number;
  private readonly capacityFactor: number | null;
  private readonly evalCapacityFactor: number | null;
  private readonly batchPriority: boolean;
  private readonly lossWeights: Record<string, number | undefined>;

  constructor(config: SwitchRouterConfig) {
    super(config.rng);
    positiveInt('SwitchRouter', 'dModel', config.dModel);
    positiveInt('SwitchRouter', 'experts', config.experts);
    this.jitter = config.jitter ?? 0;
    nonNegative('SwitchRouter', 'jitter', this.jitter);
    if (this.jitter > 0 && config.rng === undefined) {
      throw new ConfigError('SwitchRouter: jitter > 0 draws noise in training: pass rng (e.g. new Rng(seed))');
    }
    this.capacityFactor = config.capacityFactor === undefined ? 1.25 : config.capacityFactor;
    this.evalCapacityFactor = config.evalCapacityFactor === undefined ? this.capacityFactor : config.evalCapacityFactor;
    if (this.capacityFactor !== null) positiveFactor('SwitchRouter', 'capacityFactor', this.capacityFactor);
    if (this.evalCapacityFactor !== null) positiveFactor('SwitchRouter', 'evalCapacityFactor', this.evalCapacityFactor);
    this.batchPriority = config.batchPriority ?? false;
    this.lossWeights = { balance: 0.01, zLoss: 0, ...config.lossWeights };
    lossWeightsValid('SwitchRouter', this.lossWeights);
    this.experts = config.experts;
    this.dModel = config.dModel;
    const rng = config.rng ?? new Rng(0);
    this.weight = this.param(
      'weight',
      uniformInit(rng, [config.dModel, config.experts], 1 / Math.sqrt(config.dModel)) as tf.Tensor2D,
    );
  }

  /** Routes `x: [T, d]` (optional `mask: [T]`). Legend: probs [T, E] → indices, weights, kept [T, 1]. */
  route(x: tf.Tensor2D, options: RouteOptions = {}): TokenChoicePlan {
    assertShape(x, [null, this.dModel], 'SwitchRouter input x (tokens × dModel)');
    return this.routeTrusted(x, options);
  }

  /** {@link SwitchRouter.route} for `x` already checked to be `[T, dModel]`. */
  override routeTrusted(x: tf.Tensor2D, options: RouteOptions = {}): TokenChoicePlan {
    const tokens = x.shape[0];
    const experts = this.experts;
    const valid = readMask(options.mask, tokens, 'SwitchRouter');
    const factor = this.training ? this.capacityFactor : this.evalCapacityFactor;
    return tidyPlan(() => {
      const jittered: tf.Tensor2D =
        this.training && this.jitter > 0
          ? tf.mul<tf.Tensor2D>(
              x,
              tf.tensor2d(this.rng!.uniformArray(x.size, 1 - this.jitter, 1 + this.jitter), x.shape),
            )
          : x;
      const logits = tf.matMul<tf.Tensor2D>(jittered, this.weight); // [T, E]
      const probs: tf.Tensor2D = tf.softmax(logits); // [T, E]
      const probData = probs.dataSync();
      const choices = topKRows(probData, tokens, experts, 1); // [T, 1]
      const indices = tf.tensor2d(choices, [tokens, 1], 'int32');
      const capacity = factor === null ? null : expertCapacity({ tokens, experts, topK: 1, factor });
      let kept: Float32Array;
      if (capacity === null) kept = droplessKept(tokens, 1, valid);
      else {
        const order = this.batchPriority
          ? priorityOrder(Float32Array.from(choices, (e, t) => probData[t * experts + e]!))
          : null;
        kept = fillCapacity(choices, tokens, 1, experts, capacity, order, valid);
      }
      return tokenChoicePlan({
        experts,
        topK: 1,
        indices,
        choices,
        kept,
        gates: pickSlots(probs, slotOneHot(choices, tokens, 1, experts)), // [T, 1]
        logProbs: tf.logSoftmax(logits),
        valid,
        mask: options.mask,
        capacity,
        losses: {
          balance: switchBalanceLoss(probs, indices, { mask: options.mask }),
          zLoss: routerZLoss(logits, options.mask),
        },
        lossWeights: this.lossWeights,
      });
    });
  }
}
