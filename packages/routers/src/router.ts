/**
 * The tiny base class every router extends (one router per file, FastMoE style).
 * @module
 */
import type * as tf from '@tensorflow/tfjs';
import { Module, type Rng } from '@momentum-smoe/core';
import type { RoutingPlan } from './plan.js';

/** Per-call routing options. */
export interface RouteOptions {
  /** `[T]` with 1 for real tokens and 0 for padding: padding never counts in losses or metrics. */
  mask?: tf.Tensor1D;
}

/**
 * A router maps token representations `x: [T, d]` to a {@link RoutingPlan}. Randomness (noise, jitter) is used only in
 * training mode and comes from the router's own seeded `Rng` (from `@momentum-smoe/core`).
 */
export abstract class Router extends Module {
  /** Number of experts E. */
  abstract readonly experts: number;
  /** Routes `x: [T, d]`, checking its shape. */
  abstract route(x: tf.Tensor2D, options?: RouteOptions): RoutingPlan;

  /**
   * Routes `x` that the caller has already checked to be `[T, d]` of this router's width: an MoE layer checks its
   * input once where it enters and then calls this. The built-in routers skip their own check here; the default
   * is {@link Router.route}.
   */
  routeTrusted(x: tf.Tensor2D, options?: RouteOptions): RoutingPlan {
    return this.route(x, options);
  }
  /** The generator that noise and jitter draw from (only in training). */
  protected readonly rng: Rng | undefined;

  /** @param rng the generator for training-time randomness, if the router has any. */
  protected constructor(rng?: Rng) {
    super();
    this.rng = rng;
  }
}
