/**
 * Routing statistics: built as tensors inside `route` (from counts the router already holds on the host), read to
 * plain numbers with {@link readMetrics} for logging.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import type { RoutingMetrics, RoutingPlan } from './plan.js';
import { maskedMean } from './losses/masked.js';

/** Mean over real tokens of the entropy (nats) of the distribution whose log is `logProbs: [T, n]`. */
export function meanEntropy(logProbs: tf.Tensor2D, mask?: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => maskedMean(tf.neg(tf.sum(tf.mul(tf.exp(logProbs), logProbs), 1)), mask) as tf.Scalar);
}

/** Metrics from per-expert assignment counts (real tokens only), the drop rate and the routing entropy. */
export function buildMetrics(
  tokensPerExpert: Float32Array,
  dropRate: number,
  routingEntropy: tf.Scalar,
): RoutingMetrics {
  let max = 0;
  let sum = 0;
  for (const c of tokensPerExpert) {
    max = Math.max(max, c);
    sum += c;
  }
  return {
    tokensPerExpert: tf.tensor1d(tokensPerExpert),
    routingEntropy,
    dropRate: tf.scalar(dropRate),
    maxLoad: tf.scalar(max),
    meanLoad: tf.scalar(tokensPerExpert.length > 0 ? sum / tokensPerExpert.length : 0),
  };
}

/** A plan's metrics as plain numbers. */
export interface MetricValues {
  /** Kept assignments per expert. */
  tokensPerExpert: number[];
  /** Mean routing entropy in nats. */
  routingEntropy: number;
  /** Fraction of assignments dropped by capacity. */
  dropRate: number;
  /** Assignments at the busiest expert. */
  maxLoad: number;
  /** Mean assignments per expert. */
  meanLoad: number;
}

/**
 * Reads a plan's metrics to plain numbers (a host sync: for logging, not for the hot path).
 * @example
 * ```ts
 * const m = await readMetrics(router.route(x));
 * console.log(m.dropRate, m.maxLoad / m.meanLoad);
 * ```
 */
export async function readMetrics(plan: RoutingPlan): Promise<MetricValues> {
  const m = plan.metrics;
  const [perExpert, entropy, drop, max, mean] = await Promise.all([
    m.tokensPerExpert.data(),
    m.routingEntropy.data(),
    m.dropRate.data(),
    m.maxLoad.data(),
    m.meanLoad.data(),
  ]);
  return {
    tokensPerExpert: Array.from(perExpert),
    routingEntropy: entropy[0]!,
    dropRate: drop[0]!,
    maxLoad: max[0]!,
    meanLoad: mean[0]!,
  };
}
