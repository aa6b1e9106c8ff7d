/**
 * Assembles a capacity {@link TokenChoicePlan} from a device-side choice and device-side kept flags: the same fields
 * and values as `tokenChoicePlan` builds from host copies, with the metrics as device reductions and `hostIndices`
 * `null`.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import type { RoutingMetrics, TokenChoicePlan } from './plan.js';
import { meanEntropy } from './metrics.js';
import { weightedTotal } from './loss-weights.js';

/** What a device-routing router hands to {@link deviceCapacityPlan}. */
export interface DeviceCapacityParts {
  experts: number;
  /** `[T, k]` int32 expert choices. */
  indices: tf.Tensor2D;
  /** `[T, k, E]` float32 one-hot of `indices` (a constant for the tape). */
  oneHot: tf.Tensor3D;
  /** `[T, k]` 1/0 float32: slot kept (0 for capacity drops and padding); a constant for the tape. */
  kept: tf.Tensor2D;
  /** `[T, k]` differentiable combine weights before drops. */
  gates: tf.Tensor2D;
  /** `[T, E]` log of the router distribution, for the entropy metric. */
  logProbs: tf.Tensor2D;
  /** `[T]`, non-zero for real tokens. */
  mask: tf.Tensor1D | undefined;
  /** Slots per expert, or `null` for a dropless router (then `kept` marks every slot of a real token). */
  capacity: number | null;
  losses: Record<string, tf.Scalar>;
  lossWeights: Record<string, number | undefined>;
}

/**
 * Builds the plan without reading anything back: weights = gates · kept, tokens per expert count the kept slots,
 * the drop rate is the share of real slots not kept (0 when there is no real token).
 */
export function deviceCapacityPlan(p: DeviceCapacityParts): TokenChoicePlan {
  const [tokens, k] = p.indices.shape;
  const tokensPerExpert = tf.sum(tf.mul(p.oneHot, tf.expandDims(p.kept, 2)), [0, 1]) as tf.Tensor1D; // [E]
  const realTokens = p.mask === undefined ? tf.scalar(tokens) : tf.sum(tf.where(tf.notEqual(p.mask, 0), 1, 0));
  const realSlots = tf.mul(realTokens, k);
  const keptShare = tf.div(tf.sum(p.kept), tf.maximum(realSlots, 1));
  const metrics: RoutingMetrics = {
    tokensPerExpert,
    routingEntropy: meanEntropy(p.logProbs, p.mask),
    dropRate: tf.where(tf.equal(realSlots, 0), tf.scalar(0), tf.sub(1, keptShare)) as tf.Scalar,
    maxLoad: tf.max(tokensPerExpert),
    meanLoad: tf.mean(tokensPerExpert),
  };
  return {
    kind: 'token-choice',
    experts: p.experts,
    indices: p.indices,
    hostIndices: null,
    weights: tf.mul(p.gates, p.kept),
    kept: p.kept,
    capacity: p.capacity,
    losses: p.losses,
    auxLoss: weightedTotal(p.losses, p.lossWeights),
    metrics,
  };
}
