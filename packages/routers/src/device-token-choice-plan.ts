/**
 * Assembles a dropless {@link TokenChoicePlan} from a device-side choice: the same fields and values as
 * `tokenChoicePlan` builds from a host copy, but the kept flags and the metrics are device ops and `hostIndices`
 * is `null`.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import type { TokenChoicePlan } from './plan.js';
import { deviceCapacityPlan } from './device-capacity-plan.js';

/** What a device-routing token-choice router hands to {@link deviceTokenChoicePlan}. */
export interface DeviceTokenChoiceParts {
  experts: number;
  /** `[T, k]` int32 expert choices. */
  indices: tf.Tensor2D;
  /** `[T, k, E]` float32 one-hot of `indices` (a constant for the tape). */
  oneHot: tf.Tensor3D;
  /** `[T, k]` differentiable combine weights. */
  gates: tf.Tensor2D;
  /** `[T, E]` log of the router distribution, for the entropy metric. */
  logProbs: tf.Tensor2D;
  /** `[T]`, non-zero for real tokens. */
  mask: tf.Tensor1D | undefined;
  losses: Record<string, tf.Scalar>;
  lossWeights: Record<string, number | undefined>;
}

/**
 * Builds a dropless plan without reading anything back: `kept` is 1 for every slot of a real token, the combine
 * weights are `gates · kept`, tokens per expert count the kept slots, and the drop rate is 0 (nothing is dropped).
 */
export function deviceTokenChoicePlan(p: DeviceTokenChoiceParts): TokenChoicePlan {
  const [tokens, k] = p.indices.shape;
  const kept: tf.Tensor2D =
    p.mask === undefined
      ? tf.ones([tokens, k])
      : tf.tile(tf.expandDims(tf.where(tf.notEqual(p.mask, 0), 1, 0), 1), [1, k]); // a selection: see device-selection
  // Every real slot kept: the capacity plan's drop rate is then exactly 0.
  return deviceCapacityPlan({ ...p, kept, capacity: null });
}
