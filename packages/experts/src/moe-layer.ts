/**
 * A sparse MoE layer: a router decides, an expert bank computes.
 * @module
 */
import type * as tf from '@tensorflow/tfjs';
import { ConfigError, Module } from '@momentum-smoe/core';
import type { Router, RoutingPlan } from '@momentum-smoe/routers';
import type { ExpertBank } from './expert-bank.js';
import { assertTokens, dispatch } from './apply-plan.js';

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
 * Checks that `router` and `experts` can work together: the same number of experts and, when the router states its
 * token width `dModel`, the bank's `dIn`. Throws a `ConfigError` naming the fix.
 */
export function checkMoEPair(router: Router, experts: ExpertBank): void {
  if (router.experts !== experts.experts) {
    throw new ConfigError(
      `MoE: the router has ${router.experts} experts but the ExpertBank has ${experts.experts}: ` +
        'build both with the same number of experts',
    );
  }
  const width = (router as Partial<Record<'dModel', number>>).dModel;
  if (width !== undefined && width !== experts.dIn) {
    throw new ConfigError(`MoE: the router takes tokens of width ${width} but the ExpertBank has dIn=${experts.dIn}`);
  }
}

/**
 * Routes `x: [T, d]` and runs the experts on the rows the plan sends them: the forward pass of {@link MoELayer}, for a
 * module that registers its router and bank under names of its own (the language model's `gate` and `experts`).
 * `x` is shape-checked once, here, against the bank's `dIn`; the router trusts that check, so the pair must agree
 * ({@link checkMoEPair}).
 * @returns `y: [T, dOut]` and the plan (the caller's tensors).
 * @example
 * ```ts
 * const { y, plan } = runMoE(router, bank, x); // x: [T, 256] -> y: [T, 256]
 * ```
 */
export function runMoE(router: Router, experts: ExpertBank, x: tf.Tensor2D, options: MoEApplyOptions = {}): MoEOutput {
  assertTokens(experts, x);
  const plan = router.routeTrusted(x, options.mask ? { mask: options.mask } : {});
  return { y: dispatch(experts, x, plan), plan };
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
    checkMoEPair(router, experts);
    this.router = this.child('router', router);
    this.experts = this.child('experts', experts);
  }

  /** Routes and runs `x: [T, dIn]` → `y: [T, dOut]` (see {@link runMoE}). */
  apply(x: tf.Tensor2D, options: MoEApplyOptions = {}): MoEOutput {
    return runMoE(this.router, this.experts, x, options);
  }
}
