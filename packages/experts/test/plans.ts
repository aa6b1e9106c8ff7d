/**
 * Hand-made routing plans and seeded data for the tests.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@momentum-smoe/core';
import type { ExpertChoicePlan, RoutingMetrics, SoftPlan, TokenChoicePlan } from '@momentum-smoe/routers';

function emptyParts(experts: number): {
  losses: Record<string, tf.Scalar>;
  auxLoss: tf.Scalar;
  metrics: RoutingMetrics;
} {
  return {
    losses: {},
    auxLoss: tf.scalar(0),
    metrics: {
      tokensPerExpert: tf.zeros([experts]),
      routingEntropy: tf.scalar(0),
      dropRate: tf.scalar(0),
      maxLoad: tf.scalar(0),
      meanLoad: tf.scalar(0),
    },
  };
}

/** Random distinct experts per token (k of E), seeded. */
export function randomChoices(rng: Rng, t: number, k: number, experts: number): Int32Array {
  const out = new Int32Array(t * k);
  for (let n = 0; n < t; n++) out.set(rng.permutation(experts).subarray(0, k), n * k);
  return out;
}

/** First-come kept flags: slot j of all tokens before slot j+1, at most `capacity` per expert. */
export function fillKept(choices: Int32Array, t: number, k: number, experts: number, capacity: number): Float32Array {
  const kept = new Float32Array(t * k);
  const load = new Int32Array(experts);
  for (let j = 0; j < k; j++) {
    for (let n = 0; n < t; n++) {
      const e = choices[n * k + j]!;
      if (load[e]! < capacity) {
        load[e]!++;
        kept[n * k + j] = 1;
      }
    }
  }
  return kept;
}

export function tokenChoice(
  experts: number,
  choices: Int32Array,
  weights: tf.Tensor2D,
  kept: Float32Array,
  capacity: number | null,
): TokenChoicePlan {
  const [t, k] = weights.shape;
  return {
    kind: 'token-choice',
    experts,
    indices: tf.tensor2d(choices, [t, k], 'int32'),
    hostIndices: choices,
    weights,
    kept: tf.tensor2d(kept, [t, k]),
    capacity,
    ...emptyParts(experts),
  };
}

export function expertChoice(tokens: Int32Array, weights: tf.Tensor2D): ExpertChoicePlan {
  const [experts, capacity] = weights.shape;
  return {
    kind: 'expert-choice',
    experts,
    tokenIndices: tf.tensor2d(tokens, [experts, capacity], 'int32'),
    weights,
    capacity,
    ...emptyParts(experts),
  };
}

export function soft(experts: number, slotsPerExpert: number, dispatch: tf.Tensor2D, combine: tf.Tensor2D): SoftPlan {
  return { kind: 'soft', experts, dispatch, combine, slotsPerExpert, ...emptyParts(experts) };
}

/** Expert choice tokens: each expert's C distinct tokens, seeded. */
export function randomExpertPicks(rng: Rng, t: number, experts: number, c: number): Int32Array {
  const out = new Int32Array(experts * c);
  for (let e = 0; e < experts; e++) out.set(rng.permutation(t).subarray(0, c), e * c);
  return out;
}
