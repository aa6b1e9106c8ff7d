/**
 * V-MoE's auxiliary losses (Riquelme et al. 2021, `vmoe/nn/routing.py`): squared coefficients of variation of the
 * per-expert importance and of the expected per-expert load.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { maskedMean, maskedSum } from './masked.js';
import { expertOneHot } from '../device-selection.js';

/** `(std(v) / mean(v))²` with the population std, written as variance / mean² (smooth even when v is constant). */
function squaredCv(v: tf.Tensor1D): tf.Scalar {
  const { mean, variance } = tf.moments(v);
  return tf.div(variance, tf.square(mean)) as tf.Scalar;
}

/**
 * Importance loss: squared coefficient of variation of `Σ_tokens probs[:, e]` over experts.
 * @param probs `[T, E]` clean softmax over all experts.
 * @param mask `[T]`, 1 for real tokens.
 */
export function importanceLoss(probs: tf.Tensor2D, mask?: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => squaredCv(maskedSum(probs, mask) as tf.Tensor1D));
}

/** Inputs of {@link loadLoss}. */
export interface LoadLossInputs {
  /** `[T, E]` clean logits. */
  logits: tf.Tensor2D;
  /** `[T, E]` the logits plus the noise that was drawn. */
  noisyLogits: tf.Tensor2D;
  /** `[T, k]` int32 top-k of the noisy logits, in descending order (column k−1 is the threshold). */
  indices: tf.Tensor2D;
  /** Standard deviation of the noise (V-MoE: `noiseStd / E`). */
  noiseStd: number;
  /** `[T]`, 1 for real tokens. */
  mask?: tf.Tensor1D;
}

/**
 * Load loss: with `θ_t` the k-th largest noisy logit of token t, `p[t, e] = 1 − Φ((θ_t − logits[t, e]) / σ)` is
 * the probability that e would be selected if the noise were drawn again; the loss is the squared coefficient of
 * variation over experts of `mean_tokens p[:, e]`.
 */
export function loadLoss(inputs: LoadLossInputs): tf.Scalar {
  return tf.tidy(() => {
    const { logits, noisyLogits, indices, noiseStd, mask } = inputs;
    const [, experts] = logits.shape;
    const k = indices.shape[1];
    const kth = tf.reshape(expertOneHot(tf.slice(indices, [0, k - 1], [-1, 1]), experts), [-1, experts]); // [T, E]
    const threshold = tf.sum(tf.mul(kth, noisyLogits), 1, true); // [T, 1]
    const z = tf.div(tf.sub(threshold, logits), noiseStd); // [T, E]: noise needed to win, in σ units
    const p = tf.mul(tf.sub(1, tf.erf(tf.div(z, Math.SQRT2))), 0.5); // 1 − Φ(z)
    return squaredCv(maskedMean(p, mask) as tf.Tensor1D);
  });
}
