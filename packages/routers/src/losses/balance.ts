/**
 * Load-balancing losses of the Switch / GShard family: `L = E · Σ_e f_e · P_e`, with `f_e` a (constant) fraction of
 * assignments routed to expert e and `P_e` the (differentiable) router probability mass of e.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { maskedMean, maskedSum, realCount } from './masked.js';
import { expertOneHot } from '../device-selection.js';

/** Options of the balance losses. */
export interface BalanceLossOptions {
  /** `[T]`, 1 for real tokens, 0 for padding (padding never counts). */
  mask?: tf.Tensor1D;
}

/**
 * Switch Transformer / GShard balance loss: `f_e` = fraction of real tokens whose **first** choice is e, `P_e` = mean
 * router probability of e over real tokens, `L = E · Σ f_e P_e` (1 when perfectly balanced).
 * @param probs `[T, E]` full softmax over experts.
 * @param indices `[T, k]` int32 expert choices, first choice in column 0 (only column 0 is used).
 * @example
 * ```ts
 * const loss = switchBalanceLoss(tf.softmax(logits), plan.indices); // scalar
 * ```
 */
export function switchBalanceLoss(
  probs: tf.Tensor2D,
  indices: tf.Tensor2D,
  options: BalanceLossOptions = {},
): tf.Scalar {
  return tf.tidy(() => {
    const experts = probs.shape[1];
    const first = tf.reshape(expertOneHot(tf.slice(indices, [0, 0], [-1, 1]), experts), [-1, experts]); // [T, E]
    const f = maskedMean(first, options.mask); // [E]
    const p = maskedMean(probs, options.mask); // [E]
    return tf.mul(tf.sum(tf.mul(f, p)), experts) as tf.Scalar;
  });
}

/**
 * The balance loss of the official MomentumSMoE gate (`CustomNaiveGate_Balance_SMoE.set_load_balance`):
 * `f_e` = share of the N·k selected slots routed to e, `P_e = Σ_tokens P[:, e] / (N·k)` (divided by N·k, not N),
 * `L = E · Σ f_e P_e`; so it equals {@link switchBalanceLoss}'s form over all k slots, divided by k.
 * @param probs `[T, E]` full softmax over experts.
 * @param indices `[T, k]` int32 expert choices (all k columns count).
 */
export function smoeBalanceLoss(probs: tf.Tensor2D, indices: tf.Tensor2D, options: BalanceLossOptions = {}): tf.Scalar {
  return tf.tidy(() => {
    const [tokens, experts] = probs.shape;
    const k = indices.shape[1];
    const slots = tf.mul(realCount(tokens, options.mask), k); // N·k
    const perToken = tf.sum(expertOneHot(indices, experts), 1); // [T, E]: slots of each token at each expert
    const f = tf.div(maskedSum(perToken, options.mask), slots); // [E]
    const p = tf.div(maskedSum(probs, options.mask), slots); // [E]
    return tf.mul(tf.sum(tf.mul(f, p)), experts) as tf.Scalar;
  });
}
