/**
 * Dropless token-choice dispatch without host indices: every expert runs on every token as one batched matMul, and a
 * `[T, E]` combine matrix (each token's k gate weights at its chosen experts, 0 elsewhere) mixes the outputs. Exact
 * (the unchosen experts' outputs are multiplied by 0) with static shapes and no read back, at E/k times the expert
 * compute of the grouped path; see the package README for why this path was chosen.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { type TokenChoicePlan, expertOneHot } from '@momentum-smoe/routers';
import type { ExpertBank } from './expert-bank.js';

/**
 * `[T, E]` combine matrix of a token-choice plan: `Σ_j [indices[t, j] = e] · weights[t, j] · kept[t, j]`.
 * Differentiable in the plan's weights (the one-hot of the ids is a constant).
 */
export function combineMatrix(plan: TokenChoicePlan): tf.Tensor2D {
  return tf.tidy(() => {
    const weights = tf.mul(plan.weights, tf.cast(plan.kept, 'float32')); // [T, k], dropped pairs count 0
    const oneHot = expertOneHot(plan.indices, plan.experts); // [T, k, E]
    return tf.sum(tf.mul(oneHot, tf.expandDims(weights, 2)), 1) as tf.Tensor2D; // [T, E]
  });
}

/**
 * The dense dropless path: `y[t] = Σ_e combine[t, e] · expert_e(x[t])`, all experts on all tokens.
 * @param x `[T, d]`.
 * @param plan a dropless token-choice plan (its `hostIndices` are not used).
 * @returns `[T, dOut]`.
 */
export function denseDroplessMoE(x: tf.Tensor2D, plan: TokenChoicePlan, bank: ExpertBank): tf.Tensor2D {
  const [t, d] = x.shape;
  return tf.tidy(() => {
    const inputs = tf.broadcastTo(tf.expandDims(x, 0), [bank.experts, t, d]) as tf.Tensor3D; // [E, T, d]
    const out = bank.applyBatched(inputs); // [E, T, dOut]
    const combine = tf.expandDims(tf.transpose(combineMatrix(plan)), 2); // [E, T, 1]
    return tf.sum(tf.mul(out, combine), 0) as tf.Tensor2D; // [T, dOut]
  });
}
