/**
 * A sparse MoE layer: a router decides, an expert bank computes.
 * @module
 */
import type * as tf from '@tensorflow/tfjs';
import { ConfigError, Module } from '@momentum-smoe/core';
import type { Router, RoutingPlan } from '@momentum-smoe/routers';
import type { ExpertBank } from './expert-bank.js';
import { applyPlan, assertTokens } from './apply-plan.js';

/** Per-call options of {@link MoELayer.apply}. */
export interface MoEApplyOptions {
  /** `[T]`, 1 for real tokens and 0 for padding (passed to the router: padding never counts in its losses). */
  mask?: tf.Tensor1D;
}

/** What {@link MoELayer.apply} returns. */
export interface MoEOutput {
  /** `[T, dOut]`. */
  y: tf.Tensor2D;
  /** The routing plan: add `plan.auxLoss` to the training loss; the caller disposes its tensors. */
  plan: RoutingPlan;
}

/**
 * `router` + `experts` as one module (children named `router` and `experts`, so parameters are
 * `router.…` and `experts.w1` …). The dispatch path follows the plan, see {@link applyPlan}.
 * @example
 * ```ts
 * const rng = new Rng(0);
 * const layer = new MoELayer(
 *   new TopKRouter({ dModel: 256, experts: 16, topK: 2, rng }),
 *   new ExpertBank({ experts: 16, dIn: 256, dHidden: 1024, rng }),
 * );
 * const { y, plan } = layer.apply(x);   // x: [T, 256] -> y: [T, 256]
 * ```
 */
export class MoELayer extends Module {
  /** The router. */
  readonly router: Router;
  /** The experts. */
  readonly experts: ExpertBank;

  constructor(router: Router, experts: ExpertBank) {
    super();
    if (router.experts !== experts.experts) {
      throw new ConfigError(`MoELayer: the router has ${router.experts} experts but the ExpertBank has ${experts.experts}: build both with the same number of experts`);
    }
    this.router = this.child('router', router);
    this.experts = this.child('experts', experts);
  }

  /** Routes and runs `x`. */
  apply(x: tf.Tensor2D, options: MoEApplyOptions = {}): MoEOutput {
    // x: [T, dIn] -> plan -> y: [T, dOut]
    assertTokens(this.experts, x);
    const plan = this.router.route(x, options.mask ? { mask: options.mask } : {});
    return { y: applyPlan(this.experts, x, plan), plan };
  }
}
