/**
 * What a router returns. Experts consume a plan and never route themselves (ScatterMoE style); every auxiliary
 * loss is named and unweighted in `losses`, and `auxLoss` is their weighted total (V-MoE style).
 * @module
 */
import type * as tf from '@tensorflow/tfjs';

/** Routing statistics as tensors (no host sync); read them with `readMetrics` when logging. */
export interface RoutingMetrics {
  /** Kept (token, slot) assignments per expert: `[E]`. */
  tokensPerExpert: tf.Tensor1D;
  /** Mean entropy of the full router distribution over experts, in nats: scalar. */
  routingEntropy: tf.Scalar;
  /** Fraction of (token, slot) assignments dropped by capacity: scalar (0 when dropless). */
  dropRate: tf.Scalar;
}

interface PlanBase {
  /** Number of experts E. */
  experts: number;
  /** Unweighted auxiliary losses by name (scalars, differentiable). */
  losses: Record<string, tf.Scalar>;
  /** Σ weight·loss over `losses`, with the router's configured weights (scalar, differentiable). */
  auxLoss: tf.Scalar;
  /** Routing statistics. */
  metrics: RoutingMetrics;
}

/**
 * Token choice (top-k, Switch, V-MoE): each token picks k experts.
 * `indices: [T, k]` int32, `weights: [T, k]` (0 where dropped), `kept: [T, k]` 1/0.
 * `capacity` is the per-expert buffer size, or `null` when the router is dropless.
 */
export interface TokenChoicePlan extends PlanBase {
  kind: 'token-choice';
  indices: tf.Tensor2D;
  weights: tf.Tensor2D;
  kept: tf.Tensor2D;
  capacity: number | null;
}

/**
 * Expert choice (Zhou et al. 2022): each expert picks its top-C tokens.
 * `tokenIndices: [E, C]` int32 token ids, `weights: [E, C]` combine weights.
 */
export interface ExpertChoicePlan extends PlanBase {
  kind: 'expert-choice';
  tokenIndices: tf.Tensor2D;
  weights: tf.Tensor2D;
  capacity: number;
}

/**
 * Soft MoE (Puigcerver et al. 2023): every slot is a convex mix of all tokens.
 * `dispatch: [T, E·S]` (softmax over tokens, per slot), `combine: [T, E·S]` (softmax over slots, per token).
 */
export interface SoftPlan extends PlanBase {
  kind: 'soft';
  dispatch: tf.Tensor2D;
  combine: tf.Tensor2D;
  slotsPerExpert: number;
}

/** Any routing plan; `kind` says how experts must consume it. */
export type RoutingPlan = TokenChoicePlan | ExpertChoicePlan | SoftPlan;
