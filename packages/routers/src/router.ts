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
  /** Routes `x: [T, d]`. */
  abstract route(x: tf.Tensor2D, options?: RouteOptions): RoutingPlan;
  /** The generator that noise and jitter draw from (only in training). */
  protected readonly rng: Rng | undefined;

  /** @param rng the generator for training-time randomness, if the router has any. */
  protected constructor(rng?: Rng) {
    super();
    this.rng = rng;
  }
}
