/**
 * Capacity drops decided with device ops only: the same kept flags as the host's `fillCapacity` (every token's first
 * choice before any token's second, tokens in batch-priority order or by position), without reading anything back.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { constant } from './device-selection.js';

/**
 * `[T, T]` 1 where token t' is processed before token t: a higher `score`, or an equal score and a lower position
 * (the host's `priorityOrder`). `T²` comparisons, small for a routing group (a few hundred tokens).
 */
function processedBefore(scores: tf.Tensor1D): tf.Tensor2D {
  const tokens = scores.shape[0];
  const self = tf.expandDims(scores, 1); // [T, 1]
  const other = tf.expandDims(scores, 0); // [1, T']
  const ids = tf.range(0, tokens, 1, 'int32');
  const lowerId = tf.greater(tf.expandDims(ids, 1), tf.expandDims(ids, 0)); // [T, T']: t' < t
  const ahead = tf.logicalOr(tf.greater(other, self), tf.logicalAnd(tf.equal(other, self), lowerId));
  return tf.where(ahead, 1, 0) as tf.Tensor2D; // a selection, not a cast (see device-selection)
}

/**
 * Kept flags `[T, k]` (1/0 float32) of a capacity router, as device ops and a constant for the tape. An assignment
 * (t, j) to expert e is kept iff t is real and fewer than `capacity` real assignments to e come before it: all of
 * slots 0…j−1, and slot j's of the tokens processed before t. This is `fillCapacity`'s rule: an expert's load only
 * grows while it is below capacity, so its load when (t, j) arrives is min(earlier assignments, capacity).
 * @param oneHot `[T, k, E]` one-hot of the chosen experts (slot j = the j-th choice).
 * @param priority `[T]` batch-priority scores (each token's top gate), or `null` to process tokens by position.
 * @param mask `[T]`, non-zero for real tokens.
 */
export function deviceFillCapacity(
  oneHot: tf.Tensor3D,
  priority: tf.Tensor1D | null,
  capacity: number,
  mask: tf.Tensor1D | undefined,
): tf.Tensor2D {
  return constant(() =>
    tf.tidy(() => {
      const [tokens, k, experts] = oneHot.shape;
      const real = mask === undefined ? tf.ones([tokens, 1]) : tf.expandDims(tf.where(tf.notEqual(mask, 0), 1, 0), 1);
      const hits = tf.mul(tf.reshape(oneHot, [tokens, k * experts]), real); // [T, k·E]: real assignments
      // Same slot, tokens processed earlier: an exclusive count along the processing order.
      const sameSlot = priority === null ? tf.cumsum(hits, 0, true) : tf.matMul(processedBefore(priority), hits);
      const perSlot = tf.reshape(tf.sum(hits, 0), [k, experts]); // [k, E]
      const earlierSlots = tf.reshape(tf.cumsum(perSlot, 0, true), [1, k * experts]); // [1, k·E]
      const earlier = tf.reshape(tf.add(sameSlot, earlierSlots), [tokens, k, experts]);
      const position = tf.sum(tf.mul(earlier, oneHot), 2); // [T, k]: real assignments to the same expert before
      return tf.where(tf.logicalAnd(tf.less(position, capacity), tf.greater(real, 0)), 1, 0) as tf.Tensor2D;
    }),
  );
}
