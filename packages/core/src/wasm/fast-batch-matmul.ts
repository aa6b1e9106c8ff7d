/**
 * Batched, transposed and broadcast matMul on the wasm backend at the speed of its batch-1 XNNPACK path: used for
 * `_FusedMatMul` with a fused activation, and where our SIMD kernels cannot load (see simd-batch-matmul.ts otherwise).
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
import { broadcastIndex, matMulShapes } from './matmul-shapes.js';
import { transpose2d } from './transpose.js';
import { type Epilogue, PLAIN, xnnMatMul } from './xnn-matmul.js';

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
  const {
    aRows: aR,
    aCols: aC,
    bRows: bR,
    bCols: bC,
    m,
    k,
    n,
    aBatchShape,
    bBatchShape,
    batchShape,
    batches,
  } = matMulShapes(a, b, transposeA, transposeB);
  const out = backend.makeOutput([...batchShape, m, n], 'float32');
  if (batches * m * n === 0) return out;
  if (k === 0) {
    f32At(backend, offsetOf(backend, out), batches * m * n).fill(0);
    return out;
  }

  const aSide = (transpose: boolean): Side => ({
    info: a,
    batches: tf.util.sizeFromShape(aBatchShape),
    storedRows: aR,
    storedCols: aC,
    transpose,
  });
  const bSide = (transpose: boolean): Side => ({
    info: b,
    batches: tf.util.sizeFromShape(bBatchShape),
    storedRows: bR,
    storedCols: bC,
    transpose,
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
