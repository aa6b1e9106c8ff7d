/**
 * `UnsortedSegmentSum` for wasm (tfjs-wasm has none): the backward of every `gather`, so of every embedding.
 * One pass over the rows, in place on the heap (float32: a SIMD kernel, kernels.wat `segmentSumF32`; int32, or
 * without our SIMD module: a loop on heap views); ids outside `[0, numSegments)` are dropped, as the cpu kernel does.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { asWasmBackend, f32At, i32At, offsetOf } from './heap.js';
import { simdKernels } from './simd/simd-module.js';

function unsortedSegmentSum(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { x, segmentIds } = args.inputs as unknown as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = args.attrs as unknown as tf.UnsortedSegmentSumAttrs;
  const backend = asWasmBackend(args.backend);
  // x: [rows, ...inner], segmentIds: [rows] → out: [numSegments, ...inner]
  const rows = x.shape[0] ?? 1;
  if (segmentIds.shape.length !== 1 || segmentIds.shape[0] !== rows) {
    throw new Error(
      `UnsortedSegmentSum on wasm: segmentIds must be rank 1 with one id per row of x (${rows}), ` +
        `got shape [${segmentIds.shape}]: flatten x and segmentIds first`,
    );
  }
  if (segmentIds.dtype !== 'int32')
    throw new Error(`UnsortedSegmentSum on wasm: segmentIds must be int32, got ${segmentIds.dtype}`);
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new Error(`UnsortedSegmentSum on wasm supports float32 and int32 x, got ${x.dtype}`);
  }
  const inner = tf.util.sizeFromShape(x.shape.slice(1));
  const out = backend.makeOutput([numSegments, ...x.shape.slice(1)], x.dtype);
  const kernels = simdKernels(backend);
  if (x.dtype === 'float32' && kernels) {
    const at = (t: tf.TensorInfo) => offsetOf(backend, t);
    kernels.segmentSumF32(at(x), at(segmentIds), rows, inner, at(out), numSegments);
    return out;
  }
  // views made after makeOutput, which may have grown the heap; the output is not zeroed
  const view = x.dtype === 'float32' ? f32At : i32At;
  const dst = view(backend, offsetOf(backend, out), numSegments * inner);
  const src = view(backend, offsetOf(backend, x), rows * inner);
  const ids = i32At(backend, offsetOf(backend, segmentIds), rows);
  dst.fill(0);
  for (let r = 0; r < rows; r++) {
    const s = ids[r]!;
    if (s < 0 || s >= numSegments) continue;
    const d = s * inner;
    const from = r * inner;
    for (let j = 0; j < inner; j++) dst[d + j] = dst[d + j]! + src[from + j]!;
  }
  return out;
}

/** Kernel config adding `UnsortedSegmentSum` to wasm. */
export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum as tf.KernelFunc,
};
