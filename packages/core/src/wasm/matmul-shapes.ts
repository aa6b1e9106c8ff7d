/**
 * The shapes of a batched matMul `op(a) · op(b)` (tfjs' `BatchMatMul` semantics, numpy batch broadcasting), shared by
 * the two wasm matMul paths.
 * @module
 */
import * as tf from '@tensorflow/tfjs';

/** Sizes of `op(a) · op(b)`: stored matrix shapes, product dims and batch shapes. */
export interface MatMulShapes {
  /** a's stored last two dims. */
  aRows: number;
  aCols: number;
  /** b's stored last two dims. */
  bRows: number;
  bCols: number;
  m: number;
  k: number;
  n: number;
  aBatchShape: number[];
  bBatchShape: number[];
  /** The broadcast batch shape of the result. */
  batchShape: number[];
  /** Its size. */
  batches: number;
}

/** Reads and checks the shapes (inner dims equal, batch dims broadcastable), with tfjs' own error messages. */
export function matMulShapes(
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): MatMulShapes {
  const [aRows, aCols] = a.shape.slice(-2) as [number, number];
  const [bRows, bCols] = b.shape.slice(-2) as [number, number];
  const [m, k] = transposeA ? [aCols, aRows] : [aRows, aCols];
  const [kB, n] = transposeB ? [bCols, bRows] : [bRows, bCols];
  tf.util.assert(
    k === kB,
    () =>
      `Error in matMul: inner shapes (${k}) and (${kB}) of Tensors with shapes ${a.shape} and ${b.shape} and ` +
      `transposeA=${transposeA} and transposeB=${transposeB} must match.`,
  );
  const aBatchShape = a.shape.slice(0, -2);
  const bBatchShape = b.shape.slice(0, -2);
  const batchShape = tf.broadcast_util.assertAndGetBroadcastShape(aBatchShape, bBatchShape);
  return {
    aRows,
    aCols,
    bRows,
    bCols,
    m,
    k,
    n,
    aBatchShape,
    bBatchShape,
    batchShape,
    batches: tf.util.sizeFromShape(batchShape),
  };
}

/** For each flat output batch index, the flat batch index of an input broadcast to it (numpy rules). */
export function broadcastIndex(outShape: number[], inShape: number[]): Int32Array {
  const total = tf.util.sizeFromShape(outShape);
  const index = new Int32Array(total);
  const offset = outShape.length - inShape.length;
  // stride of each output axis in the input's flat index (0 where the input is broadcast)
  const strides = outShape.map(() => 0);
  let stride = 1;
  for (let i = inShape.length - 1; i >= 0; i--) {
    if (inShape[i] !== 1) strides[i + offset] = stride;
    stride *= inShape[i]!;
  }
  for (let o = 0; o < total; o++) {
    let rest = o;
    let at = 0;
    for (let ax = outShape.length - 1; ax >= 0; ax--) {
      const dim = outShape[ax]!;
      at += (rest % dim) * strides[ax]!;
      rest = Math.floor(rest / dim);
    }
    index[o] = at;
  }
  return index;
}
