/**
 * `BatchMatMul` for wasm that keeps transposed, batched and broadcast products on the fast path: our SIMD gemm where
 * the module allows it (no repacking of the right operand per call), else tfjs-wasm's XNNPACK call.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { fastBatchMatMul } from './fast-batch-matmul.js';
import { asWasmBackend } from './heap.js';
import { hasSimdGemm } from './simd/simd-gemm.js';
import { simdBatchMatMul } from './simd-batch-matmul.js';

function batchMatMul(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { a, b } = args.inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') {
    throw new Error(`BatchMatMul on wasm supports float32 only, got ${a.dtype} × ${b.dtype}: cast the inputs first`);
  }
  const backend = asWasmBackend(args.backend);
  if (hasSimdGemm(backend)) return simdBatchMatMul(backend, a, b, transposeA, transposeB);
  return fastBatchMatMul(backend, a, b, transposeA, transposeB);
}

/** Kernel config replacing tfjs-wasm's `BatchMatMul`. */
export const batchMatMulConfig: tf.KernelConfig = {
  kernelName: tf.BatchMatMul,
  backendName: 'wasm',
  kernelFunc: batchMatMul as tf.KernelFunc,
};
