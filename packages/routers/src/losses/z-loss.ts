/**
 * Router z-loss (ST-MoE, Zoph et al. 2022): penalises large router logits for numerical stability.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { maskedMean } from './masked.js';

/**
 * Mean over real tokens of `logsumexp(logits)²`.
 * @param logits `[T, E]` router logits.
 * @param mask `[T]`, 1 for real tokens.
 */
export function routerZLoss(logits: tf.Tensor2D, mask?: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => maskedMean(tf.square(tf.logSumExp(logits, 1)), mask) as tf.Scalar);
}
