/**
 * Soft MoE (Puigcerver et al. 2023): slots are convex mixes of all tokens, each expert processes its slots, and each
 * token's output is a convex mix of all slot outputs. Dense in tokens by design, so plain matMuls.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import type { SoftPlan } from '@momentum-smoe/routers';
import type { ExpertBank } from './expert-bank.js';

/**
 * @param x `[T, d]`.
 * @param plan `dispatch`, `combine`: `[T, E·S]`.
 * @returns `[T, dOut]`.
 */
export function softMoE(x: tf.Tensor2D, plan: SoftPlan, bank: ExpertBank): tf.Tensor2D {
  const s = plan.slotsPerExpert;
  return tf.tidy(() => {
    const slots = tf.matMul(plan.dispatch, x, true, false); // [E·S, d] = dispatchᵀ·x
    const out = bank.applyBatched(tf.reshape(slots, [bank.experts, s, x.shape[1]])); // [E, S, dOut]
    return tf.matMul(plan.combine, tf.reshape(out, [bank.experts * s, bank.dOut])) as tf.Tensor2D; // [T, dOut]
  });
}
