/**
 * Batched, transposed and broadcast matMul on wasm through our SIMD gemm (simd/simd-gemm.ts), which reads its left
 * operand and writes its result through strides. So `C = op(A)·op(B)` needs a transposed copy only where B would be
 * read against its layout, and then computing `Cᵀ = op(B)ᵀ·op(A)ᵀ` (stored column-major) moves A instead: the
 * cheaper of the two is taken (A transposed and B plain cost nothing). When every batch shares B and A's rows are
 * contiguous, the batch folds into the rows of one product.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { type WasmBackend, f32At, offsetOf } from './heap.js';
import { broadcastIndex } from './fast-batch-matmul.js';
import { type GemmArgs, gemmWorkspaceFloats, simdGemm } from './simd/simd-gemm.js';
import { transpose2d } from './transpose.js';

/** A new tensor holding each `rows × cols` batch of `info` transposed. */
function transposedCopy(backend: WasmBackend, info: tf.TensorInfo, batches: number, rows: number, cols: number): tf.TensorInfo {
  const out = backend.makeOutput([batches, cols, rows], 'float32');
  const src = f32At(backend, offsetOf(backend, info), batches * rows * cols);
  const dst = f32At(backend, offsetOf(backend, out), batches * rows * cols);
  for (let i = 0; i < batches; i++) transpose2d(src, i * rows * cols, dst, i * rows * cols, rows, cols);
  return out;
}

/**
 * `op(a) · op(b)` (+ `bias`, a rank-1 tensor of length n) for float32 tensors of rank ≥ 2 with numpy-broadcast batch
 * dims, as tfjs' `BatchMatMul` / `_FusedMatMul` with a linear activation. Returns a new tensor `[...batch, m, n]`.
 */
export function simdBatchMatMul(
  backend: WasmBackend,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  bias?: tf.TensorInfo,
): tf.TensorInfo {
  const [aR, aC] = a.shape.slice(-2) as [number, number];
  const [bR, bC] = b.shape.slice(-2) as [number, number];
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
  const aBatches = tf.util.sizeFromShape(aBatchShape);
  const bBatches = tf.util.sizeFromShape(bBatchShape);

  // direct: C row-major, B must be row-major [k, n]; swapped: Cᵀ column-major, op(A)ᵀ must be row-major [k, m].
  // A bias indexes C's columns, which only the direct form adds.
  const directMoves = transposeB ? bBatches * k * n : 0;
  const swappedMoves = transposeA ? 0 : aBatches * m * k;
  const swapped = bias === undefined && swappedMoves < directMoves;
  const temp = swapped
    ? transposeA ? null : transposedCopy(backend, a, aBatches, aR, aC)
    : transposeB ? transposedCopy(backend, b, bBatches, bR, bC) : null;
  // fold the batch into the rows: one product over [batches·m, k] when B is shared and A's rows are contiguous
  const fold = !swapped && bBatches === 1 && aBatches === batches && !transposeA;
  const [rows, cols] = swapped ? [n, m] : [fold ? batches * m : m, n];
  const workspace = backend.makeOutput([gemmWorkspaceFloats(rows, cols, k)], 'float32');
  try {
    const [aAt, bAt, outAt, tempAt, workAt] = [a, b, out, temp, workspace].map((t) => (t ? offsetOf(backend, t) : 0)) as number[];
    const biasAt = bias ? offsetOf(backend, bias) : 0;
    const aIndex = broadcastIndex(batchShape, aBatchShape);
    const bIndex = broadcastIndex(batchShape, bBatchShape);
    for (let o = 0; o < (fold ? 1 : batches); o++) {
      const aOff = aIndex[o]! * m * k * 4;
      const bOff = bIndex[o]! * k * n * 4;
      const c = outAt! + o * m * n * 4;
      const args: GemmArgs = swapped
        ? {
            // Cᵀ [n, m] = op(B)ᵀ [n, k] · op(A)ᵀ [k, m]
            m: n, n: m, k,
            a: bAt! + bOff, aRow: transposeB ? k : 1, aCol: transposeB ? 1 : n,
            b: (temp ? tempAt! : aAt!) + aOff, bRow: m,
            c, cRow: 1, cCol: n,
          }
        : {
            m: rows, n, k,
            a: aAt! + aOff, aRow: transposeA ? 1 : k, aCol: transposeA ? m : 1,
            b: (temp ? tempAt! : bAt!) + bOff, bRow: n,
            c, cRow: n, cCol: 1, bias: biasAt,
          };
      simdGemm(backend, args, workAt);
    }
  } catch (e) {
    backend.disposeData(out.dataId);
    throw e;
  } finally {
    backend.disposeData(workspace.dataId);
    if (temp) backend.disposeData(temp.dataId);
  }
  return out;
}
