/**
 * Batched, transposed and broadcast matMul on the wasm backend at the speed of its batch-1 fast path.
 *
 * Stock tfjs-wasm sends anything but `[1, m, k] × [1, k, n]` to a scalar loop 12–15× slower. Here every product
 * is cast as `L[rows, k] · R[k, cols]` with L and R row-major: operands already in that layout are used in place,
 * the others are transposed once into a temporary. Either `C = op(A)·op(B)` (direct) or `Cᵀ = op(B)ᵀ·op(A)ᵀ`
 * (swapped, then the result is transposed) is computed, whichever moves fewer elements. When R is the same for every
 * batch, the batch folds into the rows of a single call.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { type WasmBackend, f32At, offsetOf } from './heap.js';
import { transpose2d } from './transpose.js';
import { type Epilogue, PLAIN, xnnMatMul } from './xnn-matmul.js';

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

/** One side of `L · R`: a tensor's batches, each stored `storedRows × storedCols`, transposed when `transpose`. */
interface Side {
  info: tf.TensorInfo;
  batches: number;
  storedRows: number;
  storedCols: number;
  transpose: boolean;
}

/** Copies each batch of `side` transposed into a fresh tensor; returns it. */
function materialiseTransposed(backend: WasmBackend, side: Side): tf.TensorInfo {
  const { batches, storedRows: r, storedCols: c } = side;
  const temp = backend.makeOutput([batches, c, r], 'float32');
  const src = f32At(backend, offsetOf(backend, side.info), batches * r * c);
  const dst = f32At(backend, offsetOf(backend, temp), batches * r * c);
  for (let i = 0; i < batches; i++) transpose2d(src, i * r * c, dst, i * r * c, r, c);
  return temp;
}

/**
 * `op(a) · op(b)` for float32 tensors of rank ≥ 2 with numpy-broadcast batch dims, as tfjs' `BatchMatMul`
 * (plus `_FusedMatMul`'s epilogue: a bias or prelu forces the direct orientation, since they index columns).
 * Returns a new tensor `[...batch, m, n]` owned by the caller.
 */
export function fastBatchMatMul(
  backend: WasmBackend,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  epilogue: Epilogue = PLAIN,
): tf.TensorInfo {
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  const [aR, aC] = [a.shape[aRank - 2]!, a.shape[aRank - 1]!];
  const [bR, bC] = [b.shape[bRank - 2]!, b.shape[bRank - 1]!];
  const [m, k] = transposeA ? [aC, aR] : [aR, aC];
  const [kB, n] = transposeB ? [bC, bR] : [bR, bC];
  tf.util.assert(
    k === kB,
    () =>
      `Error in matMul: inner shapes (${k}) and (${kB}) of Tensors with shapes ${a.shape} and ${b.shape} and ` +
      `transposeA=${transposeA} and transposeB=${transposeB} must match.`,
  );
  const aBatchShape = a.shape.slice(0, -2);
  const bBatchShape = b.shape.slice(0, -2);
  const batchShape = tf.broadcast_util.assertAndGetBroadcastShape(aBatchShape, bBatchShape);
  const out = backend.makeOutput([...batchShape, m, n], 'float32');
  const batches = tf.util.sizeFromShape(batchShape);
  if (batches * m * n === 0) return out;
  if (k === 0) {
    f32At(backend, offsetOf(backend, out), batches * m * n).fill(0);
    return out;
  }

  const aSide = (transpose: boolean): Side => ({
    info: a, batches: tf.util.sizeFromShape(aBatchShape), storedRows: aR, storedCols: aC, transpose,
  });
  const bSide = (transpose: boolean): Side => ({
    info: b, batches: tf.util.sizeFromShape(bBatchShape), storedRows: bR, storedCols: bC, transpose,
  });
  // direct: L = op(A) [m,k], R = op(B) [k,n]; swapped: L = op(B)ᵀ [n,k], R = op(A)ᵀ [k,m], result transposed
  const moved = (s: Side): number => (s.transpose ? s.batches * s.storedRows * s.storedCols : 0);
  const direct = { L: aSide(transposeA), R: bSide(transposeB), swapped: false };
  const swapped = { L: bSide(!transposeB), R: aSide(!transposeA), swapped: true };
  const fusedColumns = epilogue.biasId !== 0 || epilogue.preluId !== 0;
  const plan =
    !fusedColumns && moved(swapped.L) + moved(swapped.R) + batches * m * n < moved(direct.L) + moved(direct.R)
      ? swapped
      : direct;
  const [rows, cols] = plan.swapped ? [n, m] : [m, n];
  const lIndex = broadcastIndex(batchShape, plan.swapped ? bBatchShape : aBatchShape);
  const rIndex = broadcastIndex(batchShape, plan.swapped ? aBatchShape : bBatchShape);

  const temps: tf.TensorInfo[] = [];
  const ready = (side: Side): tf.TensorInfo => {
    if (!side.transpose) return side.info;
    const t = materialiseTransposed(backend, side);
    temps.push(t);
    return t;
  };
  try {
    const L = ready(plan.L);
    const R = ready(plan.R);
    const result = plan.swapped ? backend.makeOutput([batches, rows, cols], 'float32') : out;
    if (plan.swapped) temps.push(result);
    const [lOff, rOff, resOff] = [offsetOf(backend, L), offsetOf(backend, R), offsetOf(backend, result)];
    // R is its original, whole tensor: its own id may carry the weight cache
    const rWhole = R === plan.R.info && plan.R.batches === 1 ? R.dataId : undefined;
    if (plan.R.batches === 1 && plan.L.batches === batches) {
      xnnMatMul(backend, lOff, { offset: rOff, dataId: rWhole }, resOff, batches * rows, k, cols, epilogue);
    } else {
      for (let o = 0; o < batches; o++) {
        const lAt = lOff + lIndex[o]! * rows * k * 4;
        const rAt = rOff + rIndex[o]! * k * cols * 4;
        xnnMatMul(backend, lAt, { offset: rAt, dataId: rWhole }, resOff + o * rows * cols * 4, rows, k, cols, epilogue);
      }
    }
    if (plan.swapped) {
      // views made only now: the calls above may have grown the heap
      const src = f32At(backend, resOff, batches * m * n);
      const dst = f32At(backend, offsetOf(backend, out), batches * m * n);
      for (let o = 0; o < batches; o++) transpose2d(src, o * m * n, dst, o * m * n, n, m);
    }
  } catch (e) {
    backend.disposeData(out.dataId);
    throw e;
  } finally {
    for (const t of temps) backend.disposeData(t.dataId);
  }
  return out;
}
