/**
 * Top-k selection with device ops only, for routing without a host read. The choice is made by pairwise comparisons
 * (a rank per expert) rather than `tf.topk`, so that ties resolve to the lower expert id on every backend, exactly as
 * the host path's `topKRows`; the comparisons carry no gradient (the choice is a constant for the tape).
 * @module
 */
import * as tf from '@tensorflow/tfjs';

/**
 * `f()` as a constant for the tape, like a host copy: what it reads is closed over rather than passed in, so the tape
 * never links its result to any input (tfjs has no gradient for comparisons, and a tape that reaches one throws; a
 * constant also lets every consumer of the ids compare them freely, as it may compare a host plan's).
 */
export function constant<T extends tf.Tensor>(f: () => T): T {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: f(),
    gradFunc: () => tf.zerosLike(args[0] as tf.Tensor),
  }));
  return op(tf.scalar(0)) as T; // a fresh scalar: no path from any variable
}

/**
 * One-hot of the top-k experts of each row: `[T, E]` scores → `[T, k, E]` float32, slot j marking the expert of rank
 * j (by descending score, ties to the lower id). NaN scores rank as −∞, so a NaN never beats a number (as on the
 * host). Costs `T·E²` comparisons, small next to the gate's matMul for the expert counts MoE layers use.
 */
export function deviceTopKOneHot(scores: tf.Tensor2D, k: number): tf.Tensor3D {
  return constant(() =>
    tf.tidy(() => {
      const s = scores;
      const experts = s.shape[1];
      const z = tf.where(tf.isNaN(s), tf.fill(s.shape, -Infinity), s); // [T, E]
      const self = tf.expandDims(z, 2); // [T, E, 1]
      const other = tf.expandDims(z, 1); // [T, 1, E']
      const ids = tf.range(0, experts, 1, 'int32');
      const lowerId = tf.greater(tf.expandDims(ids, 1), tf.expandDims(ids, 0)); // [E, E']: e' < e
      const beats = tf.logicalOr(tf.greater(other, self), tf.logicalAnd(tf.equal(other, self), lowerId)); // [T, E, E']
      // Booleans become numbers by selection, not by a cast: webgpu's cast only relabels, and a later transpose of
      // the relabelled buffer fails to compile. Summing over the last axis needs no transpose at all.
      const rank = tf.sum(tf.where(beats, 1, 0), 2); // [T, E]: experts ahead of e
      const slots = tf.reshape(tf.range(0, k, 1, 'float32'), [1, k, 1]);
      return tf.where(tf.equal(tf.expandDims(rank, 1), slots), 1, 0) as tf.Tensor3D; // [T, k, E]
    }),
  );
}

/** Expert ids of a slot one-hot: `[T, k, E]` → `[T, k]` int32 (a constant for the tape). */
export function oneHotIds(oneHot: tf.Tensor3D): tf.Tensor2D {
  const ids = tf.range(0, oneHot.shape[2], 1, 'float32');
  return constant(() => tf.tidy(() => tf.cast(tf.sum(tf.mul(oneHot, ids), 2), 'int32') as tf.Tensor2D));
}

/**
 * One-hot of expert ids, `[T, k]` int32 → `[T, k, E]` float32 (E ≥ 2), built so that it is right on every backend:
 * `tf.oneHot`'s int32 form does not compile on webgpu (tfjs 4.22), and its float32 form writes int32 bits on wasm, so
 * webgpu asks for float32 and the others for int32 then cast (a real conversion there; on webgpu a cast would only
 * relabel the buffer, which a later transpose rejects).
 */
export function expertOneHot(indices: tf.Tensor2D, experts: number): tf.Tensor3D {
  return tf.tidy(() =>
    tf.getBackend() === 'webgpu'
      ? (tf.oneHot(indices, experts, 1, 0, 'float32') as tf.Tensor3D)
      : (tf.cast(tf.oneHot(indices, experts), 'float32') as tf.Tensor3D),
  );
}
