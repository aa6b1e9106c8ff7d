/**
 * Multiplication by a coefficient that skips the pass when the coefficient is the constant 1 (γ = 1 is the default
 * everywhere, and elementwise passes are what a residual rule costs).
 * @module
 */
import * as tf from '@tensorflow/tfjs';

/** `t · c`, returning `t` itself when `c` is the number 1. */
export function scaleBy(t: tf.Tensor, c: number | tf.Scalar): tf.Tensor {
  return c === 1 ? t : tf.mul(t, c);
}
