/**
 * The paper's SMoE gate (official `CustomNaiveGate_Balance_SMoE`, docs/paper-notes.md#the-gate).
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { Rng, assertShape, torchLinearInit } from '@momentum-smoe/core';
import type { TokenChoicePlan } from './plan.js';
import { Router, type RouteOptions } from './router.js';
import { pickSlots, slotOneHot, topKRows } from './selection.js';
import { checkMask, readMask } from './mask.js';
import { deviceTopKOneHot, oneHotIds } from './device-selection.js';
import { deviceTokenChoicePlan } from './device-token-choice-plan.js';
import { type RoutingMode, resolveRouting } from './routing-mode.js';
import { tidyPlan } from './plan-lifetime.js';
import { smoeBalanceLoss } from './losses/balance.js';
import { routerZLoss } from './losses/z-loss.js';
import { droplessKept, tokenChoicePlan } from './token-choice-plan.js';
import { lossWeightsValid, positiveInt, topKInRange } from './validate.js';

/** Configuration of a {@link TopKRouter}. */
export interface TopKRouterConfig {
  /** Token width d. */
  dModel: number;
  /** Number of experts E. */
  experts: number;
  /** Experts per token k (1 ≤ k ≤ E). */
  topK: number;
  /** Generator for the initial weights (PyTorch `nn.Linear` default); `new Rng(0)` when absent. */
  rng?: Rng;
  /**
   * Weights of the named losses in `auxLoss`. `balance`: {@link smoeBalanceLoss} (the paper's 0.01, which the official
   * code never applies); `zLoss`: {@link routerZLoss}. Default 0 for both, as the official code effectively trains.
   */
  lossWeights?: {
    /** Weight of `balance`. */
    balance?: number;
    /** Weight of `zLoss`. */
    zLoss?: number;
  };
  /** Where the top-k choice is made ({@link RoutingMode}); default `auto` (device on webgpu, host elsewhere). */
  routing?: RoutingMode;
}

/**
 * SMoE gate: logits `z = x·W + b`, top-k on z, combine weights `softmax` over the k chosen logits; no noise, no
 * capacity (dropless). Parameters: `weight: [d, E]` and `bias: [E]` (the official `gate.gate.weight` is `[E, d]`).
 * Losses (`balance`, `zLoss`) are always reported; they enter `auxLoss` only with a non-zero weight.
 * @example
 * ```ts
 * const router = new TopKRouter({ dModel: 8, experts: 4, topK: 2, rng: new Rng(1) });
 * const plan = router.route(tf.randomNormal([5, 8]));
 * plan.indices; // [5, 2] int32; plan.weights: [5, 2], each row sums to 1
 * ```
 */
export class TopKRouter extends Router {
  readonly experts: number;
  /** Experts per token k. */
  readonly topK: number;
  /** Token width d. */
  readonly dModel: number;
  /** Gate weight `[d, E]`. */
  readonly weight: tf.Variable<tf.Rank.R2>;
  /** Gate bias `[E]`. */
  readonly bias: tf.Variable<tf.Rank.R1>;
  /**
   * Where the top-k choice is made: `host` (one read of the logits per call; the plan carries `hostIndices`),
   * `device` (no read; `hostIndices` is `null`) or `auto` (device on the webgpu backend). Both give the same plan
   * values and gradients; set it to force a path, e.g. in tests.
   */
  routing: RoutingMode;
  private readonly lossWeights: Record<string, number | undefined>;

  constructor(config: TopKRouterConfig) {
    super(config.rng);
    positiveInt('TopKRouter', 'dModel', config.dModel);
    positiveInt('TopKRouter', 'experts', config.experts);
    topKInRange('TopKRouter', config.topK, config.experts);
    this.lossWeights = { ...config.lossWeights };
    lossWeightsValid('TopKRouter', this.lossWeights);
    this.experts = config.experts;
    this.topK = config.topK;
    this.dModel = config.dModel;
    this.routing = config.routing ?? 'auto';
    const init = torchLinearInit(config.rng ?? new Rng(0), config.dModel, config.experts);
    this.weight = this.param('weight', init.weight);
    this.bias = this.param('bias', init.bias);
  }

  /** Routes `x: [T, d]` (optional `mask: [T]`). Legend: logits [T, E] → indices, weights, kept [T, k]. */
  route(x: tf.Tensor2D, options: RouteOptions = {}): TokenChoicePlan {
    assertShape(x, [null, this.dModel], 'TopKRouter input x (tokens × dModel)');
    return this.routeTrusted(x, options);
  }

  /** {@link TopKRouter.route} for `x` already checked to be `[T, dModel]`. */
  override routeTrusted(x: tf.Tensor2D, options: RouteOptions = {}): TokenChoicePlan {
    return resolveRouting(this.routing) === 'device' ? this.routeOnDevice(x, options) : this.routeOnHost(x, options);
  }

  /** The host path: logits read back once, top-k on the host copy. */
  private routeOnHost(x: tf.Tensor2D, options: RouteOptions): TokenChoicePlan {
    const tokens = x.shape[0];
    const { experts, topK } = this;
    const valid = readMask(options.mask, tokens, 'TopKRouter');
    return tidyPlan(() => {
      const logits = tf.add(tf.matMul(x, this.weight), this.bias) as tf.Tensor2D; // [T, E]
      const choices = topKRows(logits.dataSync(), tokens, experts, topK); // [T, k] host copy: no tape link
      const indices = tf.tensor2d(choices, [tokens, topK], 'int32');
      const gates = tf.softmax(pickSlots(logits, slotOneHot(choices, tokens, topK, experts))); // [T, k]
      const logProbs = tf.logSoftmax(logits); // [T, E]
      return tokenChoicePlan({
        experts,
        topK,
        indices,
        choices,
        kept: droplessKept(tokens, topK, valid),
        gates,
        logProbs,
        valid,
        mask: options.mask,
        capacity: null,
        losses: {
          balance: smoeBalanceLoss(tf.exp(logProbs) as tf.Tensor2D, indices, { mask: options.mask }),
          zLoss: routerZLoss(logits, options.mask),
        },
        lossWeights: this.lossWeights,
      });
    });
  }

  /** The device path: the same plan from device ops only (no read; `hostIndices` is `null`). */
  private routeOnDevice(x: tf.Tensor2D, options: RouteOptions): TokenChoicePlan {
    checkMask(options.mask, x.shape[0], 'TopKRouter');
    return tidyPlan(() => {
      const logits = tf.add(tf.matMul(x, this.weight), this.bias) as tf.Tensor2D; // [T, E]
      const oneHot = deviceTopKOneHot(logits, this.topK); // [T, k, E]
      const indices = oneHotIds(oneHot); // [T, k]
      const gates = tf.softmax(pickSlots(logits, oneHot)); // [T, k]
      const logProbs = tf.logSoftmax(logits); // [T, E]
      return deviceTokenChoicePlan({
        experts: this.experts,
        indices,
        oneHot,
        gates,
        logProbs,
        mask: options.mask,
        losses: {
          balance: smoeBalanceLoss(tf.exp(logProbs) as tf.Tensor2D, indices, { mask: options.mask }),
          zLoss: routerZLoss(logits, options.mask),
        },
        lossWeights: this.lossWeights,
      });
    });
  }
}
