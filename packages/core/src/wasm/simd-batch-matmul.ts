/**
 * Batched, transposed and broadcast matMul on wasm through our SIMD gemm (simd/simd-gemm.ts), which reads its left
 * operand through any strides and its right one by rows or by columns: no operand is copied or transposed first.
 * When every batch shares B and A's rows are contiguous, the batch folds into the rows of one product.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { type WasmBackend, offsetOf } from './heap.js';
import { broadcastIndex, matMulShapes } from './matmul-shapes.js';
import { gemmWorkspaceFloats, simdGemm, withGemmWorkspace } from './simd/simd-gemm.js';

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
  const { m, k, n, aBatchShape, bBatchShape, batchShape, batches } = matMulShapes(a, b, transposeA, transposeB);
  const out = backend.makeOutput([...batchShape, m, n], 'float32');
  if (batches * m * n === 0) return out;

  // fold the batch into the rows: one product over [batches·m, k] when B is shared and A's rows are contiguous
  const fold =
    tf.util.sizeFromShape(bBatchShape) === 1 && tf.util.sizeFromShape(aBatchShape) === batches && !transposeA;
  const rows = fold ? batches * m : m;
  return withGemmWorkspace(backend, out, gemmWorkspaceFloats(rows, n, k), (workspace) => {
    const [aAt, bAt, outAt] = [a, b, out].map((t) => offsetOf(backend, t)) as [number, number, number];
    const biasAt = bias ? offsetOf(backend, bias) : 0;
    const aIndex = broadcastIndex(batchShape, aBatchShape);
    const bIndex = broadcastIndex(batchShape, bBatchShape);
    for (let o = 0; o < (fold ? 1 : batches); o++) {
      simdGemm(
        backend,
        {
          m: rows,
          n,
          k,
          a: aAt + aIndex[o]! * m * k * 4,
          aRow: transposeA ? 1 : k,
          aCol: transposeA ? m : 1,
          b: bAt + bIndex[o]! * k * n * 4,
          bRow: transposeB ? 1 : n,
          bCol: transposeB ? k : 1,
          c: outAt + o * m * n * 4,
          cRow: n,
          bias: biasAt,
        },
        workspace,
      );
    }
  });
}
