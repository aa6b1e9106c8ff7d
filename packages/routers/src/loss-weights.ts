/**
 * Weighted total of a router's named auxiliary losses.
 * @module
 */
import * as tf from '@tensorflow/tfjs';

/** `Σ weights[name] · losses[name]`; losses with weight 0 (or none) do not enter the graph. */
export function weightedTotal(
  losses: Record<string, tf.Scalar>,
  weights: Record<string, number | undefined>,
): tf.Scalar {
  return tf.tidy(() => {
    let total: tf.Scalar = tf.scalar(0);
    for (const [name, loss] of Object.entries(losses)) {
      const w = weights[name] ?? 0;
      if (w !== 0) total = tf.add(total, tf.mul(loss, w));
    }
    return total;
  });
}
