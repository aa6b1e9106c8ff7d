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
  /** Assignments at the busiest expert, `max(tokensPerExpert)`: scalar. */
  maxLoad: tf.Scalar;
  /** Mean assignments per expert, `mean(tokensPerExpert)`: scalar; `maxLoad / meanLoad` is the imbalance (1 = even). */
  meanLoad: tf.Scalar;
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
 * `indices: [T, k]` int32 with its host copy `hostIndices` (`null` when routed on the device), `weights: [T, k]`
 * (0 where dropped), `kept: [T, k]` 1/0. `capacity` is the per-expert buffer size, or `null` when the router is
 * dropless. Padding tokens (mask 0) are never kept, so they take no capacity and cost no expert compute.
 */
export interface TokenChoicePlan extends PlanBase {
  /** Discriminant. */
  kind: 'token-choice';
  /** `[T, k]` int32 expert of each (token, slot). */
  indices: tf.Tensor2D;
  /**
   * The same ids on the host, row-major `[T, k]`, or `null`. A router that decides on a host copy of its scores
   * hands that copy on, and dropless dispatch sizes its per-expert products from it without reading `indices` back
   * (on a GPU every read is a device sync). A router that decides with device ops (`routing: 'device'`) has no host
   * copy: the plan says `null`, and dropless dispatch takes its static-shape device path.
   */
  hostIndices: Int32Array | null;
  /** `[T, k]` combine weights, 0 where dropped (differentiable). */
  weights: tf.Tensor2D;
  /** `[T, k]` 1 where the slot is processed, 0 where dropped by capacity or padding. */
  kept: tf.Tensor2D;
  /** Per-expert buffer size, or `null` when dropless. */
  capacity: number | null;
}

/**
 * Expert choice (Zhou et al. 2022): each expert picks its top-C tokens.
 * `tokenIndices: [E, C]` int32 token ids, `weights: [E, C]` combine weights.
 */
export interface ExpertChoicePlan extends PlanBase {
  /** Discriminant. */
  kind: 'expert-choice';
  /** `[E, C]` int32 token taken by each expert buffer slot. */
  tokenIndices: tf.Tensor2D;
  /** `[E, C]` combine weights (0 for a padding token). */
  weights: tf.Tensor2D;
  /** Tokens per expert C. */
  capacity: number;
}

/**
 * Soft MoE (Puigcerver et al. 2023): every slot is a convex mix of all tokens.
 * `dispatch: [T, E·S]` (softmax over tokens, per slot), `combine: [T, E·S]` (softmax over slots, per token).
 */
export interface SoftPlan extends PlanBase {
  /** Discriminant. */
  kind: 'soft';
  /** `[T, E·S]` slot inputs are `dispatchᵀ · x`; each column sums to 1 over real tokens. */
  dispatch: tf.Tensor2D;
  /** `[T, E·S]` token outputs are `combine · slotOutputs`; each real row sums to 1. */
  combine: tf.Tensor2D;
  /** Slots per expert S (slot `e·S + s` belongs to expert e). */
  slotsPerExpert: number;
}

/** Any routing plan; `kind` says how experts must consume it. */
export type RoutingPlan = TokenChoicePlan | ExpertChoicePlan | SoftPlan;
