/**
 * Soft MoE routing (Puigcerver et al. 2023): no discrete choice, every slot mixes all tokens.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { Rng, assertShape, normalInit } from '@momentum-smoe/core';
import type { SoftPlan } from './plan.js';
import { Router, type RouteOptions } from './router.js';
import { checkMask } from './mask.js';
import { tidyPlan } from './plan-lifetime.js';
import { meanEntropy } from './metrics.js';
import { maskedSum } from './losses/masked.js';
import { positiveInt } from './validate.js';

/** Configuration of a {@link SoftMoERouter}. */
export interface SoftMoERouterConfig {
  /** Token width d. */
  dModel: number;
  /** Number of experts E. */
  experts: number;
  /** Slots per expert S. Default 1. */
  slotsPerExpert?: number;
  /** Generator for the initial slot parameters (N(0, 1/d)); `new Rng(0)` when absent. */
  rng?: Rng;
  /**
   * The published Soft MoE's "normalize" variant: L2-normalise each token and each slot's parameter column before
   * the logits, times a learned scalar `scale` (initialised to 1), so that logits stay bounded as d grows.
   * Default false (plain `x·Φ`).
   */
  normalize?: boolean;
}

/** The epsilon under the square root of the L2 normalisation (V-MoE's Soft MoE `normalize`). */
const NORM_EPS = 1e-6;

/** Large negative logit that takes padding out of the dispatch softmax. */
const PADDING_LOGIT = -1e9;

/**
 * Slot logits `x·Φ` with `Φ: [d, E·S]` (parameter `phi`), or with `normalize` `scale · (x/‖x‖)·(Φ/‖Φ‖)`
 * (tokens normalised over d, each slot column over d, ‖v‖ = √(Σv² + 1e-6)); `dispatch` = softmax over real
 * tokens for each slot, `combine` = softmax over slots for each token (0 for padding). No auxiliary losses;
 * `tokensPerExpert` counts each token's combine mass per expert, and `dropRate` is 0.
 * @example
 * ```ts
 * const router = new SoftMoERouter({ dModel: 8, experts: 4, slotsPerExpert: 2, rng: new Rng(5) });
 * const plan = router.route(tf.randomNormal([10, 8])); // dispatch, combine: [10, 8]
 * ```
 */
export class SoftMoERouter extends Router {
  readonly experts: number;
  /** Token width d. */
  readonly dModel: number;
  /** Slots per expert S. */
  readonly slotsPerExpert: number;
  /** Slot parameters `[d, E·S]`, slot `e·S + s` belongs to expert e. */
  readonly phi: tf.Variable<tf.Rank.R2>;
  /** With `normalize`: the learned scalar multiplying the normalised logits; otherwise null. */
  readonly scale: tf.Variable<tf.Rank.R0> | null;

  constructor(config: SoftMoERouterConfig) {
    super(config.rng);
    positiveInt('SoftMoERouter', 'dModel', config.dModel);
    positiveInt('SoftMoERouter', 'experts', config.experts);
    this.slotsPerExpert = config.slotsPerExpert ?? 1;
    positiveInt('SoftMoERouter', 'slotsPerExpert', this.slotsPerExpert);
    this.experts = config.experts;
    this.dModel = config.dModel;
    const slots = config.experts * this.slotsPerExpert;
    const phi = normalInit(
      config.rng ?? new Rng(0),
      [config.dModel, slots],
      1 / Math.sqrt(config.dModel),
    ) as tf.Tensor2D;
    this.phi = this.param('phi', phi);
    this.scale = config.normalize ? this.param('scale', tf.scalar(1)) : null;
  }

  /** Slot logits `[T, E·S]` of `x: [T, d]`, plain or normalised (see the class comment). */
  private logits(x: tf.Tensor2D): tf.Tensor2D {
    if (this.scale === null) return tf.matMul(x, this.phi);
    const unitX = tf.mul(x, tf.rsqrt(tf.add(tf.sum(tf.square(x), 1, true), NORM_EPS))); // [T, d]
    const unitPhi = tf.mul(this.phi, tf.rsqrt(tf.add(tf.sum(tf.square(this.phi), 0, true), NORM_EPS))); // [d, E·S]
    return tf.mul(tf.matMul(unitX, unitPhi), this.scale);
  }

  /** Routes `x: [T, d]` (optional `mask: [T]`). Legend: logits, dispatch, combine [T, E·S]. */
  route(x: tf.Tensor2D, options: RouteOptions = {}): SoftPlan {
    assertShape(x, [null, this.dModel], 'SoftMoERouter input x (tokens × dModel)');
    const tokens = x.shape[0];
    checkMask(options.mask, tokens, 'SoftMoERouter');
    const { experts, slotsPerExpert } = this;
    return tidyPlan(() => {
      const logits = this.logits(x); // [T, E·S]
      // real: [T, 1], 1 for a real token and 0 for padding
      const real = options.mask === undefined ? null : tf.reshape(tf.cast(options.mask, 'float32'), [tokens, 1]);
      const dispatchLogits = real === null ? logits : tf.add(logits, tf.mul(tf.sub(1, real), PADDING_LOGIT));
      const dispatch = tf.transpose(tf.softmax(tf.transpose(dispatchLogits))) as tf.Tensor2D; // softmax over tokens
      const logCombine: tf.Tensor2D = tf.logSoftmax(logits); // over slots
      const combine = real === null ? tf.exp(logCombine) : tf.mul(tf.exp(logCombine), real);
      const perSlotGroup = tf.sum(tf.reshape(combine, [tokens, experts, slotsPerExpert]), 2); // [T, E]
      const perExpert = maskedSum(perSlotGroup, options.mask); // [E]
      return {
        kind: 'soft' as const,
        experts,
        dispatch,
        combine: combine as tf.Tensor2D,
        slotsPerExpert,
        losses: {},
        auxLoss: tf.scalar(0),
        metrics: {
          tokensPerExpert: perExpert as tf.Tensor1D,
          routingEntropy: meanEntropy(logCombine, options.mask),
          dropRate: tf.scalar(0),
          maxLoad: tf.max(perExpert) as tf.Scalar,
          meanLoad: tf.mean(perExpert) as tf.Scalar,
        },
      };
    });
  }
}
