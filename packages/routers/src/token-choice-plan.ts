/**
 * Assembles a {@link TokenChoicePlan} from host-side choices and differentiable gates, shared by every token-choice
 * router.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import type { TokenChoicePlan } from './plan.js';
import { buildMetrics, meanEntropy } from './metrics.js';
import { weightedTotal } from './loss-weights.js';
import { countReal, isReal } from './mask.js';

/** What a token-choice router hands to {@link tokenChoicePlan}. */
export interface TokenChoiceParts {
  experts: number;
  topK: number;
  /** `[T, k]` int32 expert choices (tensor form of `choices`). */
  indices: tf.Tensor2D;
  /** Host copy of `indices`, row-major. */
  choices: Int32Array;
  /** `[T, k]` row-major 1/0: slot kept (0 for capacity drops and padding). */
  kept: Float32Array;
  /** `[T, k]` differentiable combine weights before drops. */
  gates: tf.Tensor2D;
  /** `[T, E]` log of the router distribution, for the entropy metric. */
  logProbs: tf.Tensor2D;
  /** Host mask (`null`: all real) and the same as a tensor. */
  valid: Float32Array | null;
  mask: tf.Tensor1D | undefined;
  capacity: number | null;
  losses: Record<string, tf.Scalar>;
  lossWeights: Record<string, number | undefined>;
}

/** Kept flags of a dropless router: every slot of a real token. */
export function droplessKept(tokens: number, k: number, valid: Float32Array | null): Float32Array {
  const kept = new Float32Array(tokens * k);
  for (let t = 0; t < tokens; t++) if (isReal(valid, t)) kept.fill(1, t * k, (t + 1) * k);
  return kept;
}

/** Builds the plan: weights = gates · kept, metrics from the kept slots of real tokens. */
export function tokenChoicePlan(p: TokenChoiceParts): TokenChoicePlan {
  const tokens = p.indices.shape[0];
  const counts = new Float32Array(p.experts);
  let keptSlots = 0;
  for (let s = 0; s < tokens * p.topK; s++) {
    if (p.kept[s]! !== 0) {
      counts[p.choices[s]!]! += 1;
      keptSlots++;
    }
  }
  const realSlots = countReal(p.valid, tokens) * p.topK;
  const dropRate = realSlots === 0 ? 0 : 1 - keptSlots / realSlots;
  const kept = tf.tensor2d(p.kept, [tokens, p.topK]);
  return {
    kind: 'token-choice',
    experts: p.experts,
    indices: p.indices,
    hostIndices: p.choices,
    weights: tf.mul(p.gates, kept),
    kept,
    capacity: p.capacity,
    losses: p.losses,
    auxLoss: weightedTotal(p.losses, p.lossWeights),
    metrics: buildMetrics(counts, dropRate, meanEntropy(p.logProbs, p.mask)),
  };
}
