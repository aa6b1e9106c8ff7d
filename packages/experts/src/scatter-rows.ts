/**
 * Gather and scatter-add of rows as an adjoint pair, for maps where a row may be used any number of times
 * (expert choice). Both directions use `scatterND` (which sums duplicates) and `gather`, never `UnsortedSegmentSum`.
 * @module
 */
import * as tf from '@tensorflow/tfjs';

/**
 * `y[m] = x[index[m]]`; the gradient scatter-adds `dy` back to the rows of `x`.
 * @param x `[N, d]`.
 * @param index `[M]` int32 in `[0, N)`.
 * @returns `[M, d]`.
 */
export function gatherRowsScatterGrad(x: tf.Tensor2D, index: tf.Tensor1D): tf.Tensor2D {
  const [n, d] = x.shape;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([index]);
    return {
      value: tf.gather(input, index),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.scatterND(tf.expandDims(saved[0]!, 1), dy, [n, d]),
    };
  });
  return op(x) as tf.Tensor2D;
}

/**
 * `y[n] = Σ_{m: index[m] = n} values[m]`; the gradient gathers `dy` at `index`.
 * @param values `[M, d]`.
 * @param index `[M]` int32 in `[0, rows)`.
 * @returns `[rows, d]`.
 */
export function scatterAddRows(values: tf.Tensor2D, index: tf.Tensor1D, rows: number): tf.Tensor2D {
  const d = values.shape[1];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([index]);
    return {
      value: tf.scatterND(tf.expandDims(index, 1), input, [rows, d]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.gather(dy, saved[0]!),
    };
  });
  return op(values) as tf.Tensor2D;
}
