/**
 * Expert-choice dispatch (Zhou et al. 2022): each expert's chosen tokens fill its buffer, all experts run as one
 * batched matMul, and weighted outputs scatter-add back to their tokens.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import type { ExpertChoicePlan } from '@momentum-smoe/routers';
import type { ExpertBank } from './expert-bank.js';
import { gatherRowsScatterGrad, scatterAddRows } from './scatter-rows.js';

/**
 * @param x `[T, d]`.
 * @param plan `tokenIndices: [E, C]`, `weights: [E, C]`.
 * @returns `[T, dOut]`; a token no expert chose gets a zero row.
 */
export function expertChoiceMoE(x: tf.Tensor2D, plan: ExpertChoicePlan, bank: ExpertBank): tf.Tensor2D {
  const [e, c] = plan.tokenIndices.shape;
  return tf.tidy(() => {
    const tokens = tf.cast(tf.reshape(plan.tokenIndices, [e * c]), 'int32') as tf.Tensor1D; // [E·C]
    const buffers = gatherRowsScatterGrad(x, tokens); // [E·C, d]
    const out = bank.applyBatched(tf.reshape(buffers, [e, c, x.shape[1]])); // [E, C, dOut]
    const weighted = tf.mul(tf.reshape(out, [e * c, bank.dOut]), tf.reshape(plan.weights, [e * c, 1])) as tf.Tensor2D;
    return scatterAddRows(weighted, tokens, x.shape[0]); // [T, dOut]
  });
}
