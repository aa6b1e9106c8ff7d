/**
 * `GatherV2` for wasm: tfjs-wasm's kernel moves one element at a time through generic strides (~150 ns each);
 * this one copies whole `inner`-length rows inside the heap. `batchDims > 0` and string tensors stay with tfjs-wasm.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { asWasmBackend, i32At, offsetOf } from './heap.js';
import { copyRun, heapElements, isCopyableDtype } from './heap-copy.js';

/** Builds the kernel; `stock` (tfjs-wasm's own, captured before replacement) runs the cases it does not take over. */
export function makeGatherV2Config(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { x, indices } = args.inputs as unknown as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const { axis, batchDims } = args.attrs as unknown as tf.GatherV2Attrs;
    if (batchDims !== 0 || indices.dtype !== 'int32' || !isCopyableDtype(x.dtype)) return stock.kernelFunc(args);
    const backend = asWasmBackend(args.backend);
    const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
    // x: [outer, axisDim, inner], indices: [n] (any shape, flattened) → out: [outer, n, inner]
    const axisDim = x.shape[ax]!;
    const outer = tf.util.sizeFromShape(x.shape.slice(0, ax));
    const inner = tf.util.sizeFromShape(x.shape.slice(ax + 1));
    const n = tf.util.sizeFromShape(indices.shape);
    // same check and message as tfjs-wasm and cpu: no clamping
    const ids = Int32Array.from(i32At(backend, offsetOf(backend, indices), n));
    for (const index of ids) {
      if (index < 0 || index > axisDim - 1)
        throw new Error(`GatherV2: the index value ${index} is not in [0, ${axisDim - 1}]`);
    }
    const out = backend.makeOutput([...x.shape.slice(0, ax), ...indices.shape, ...x.shape.slice(ax + 1)], x.dtype);
    if (outer * n * inner === 0) return out;
    const { heap, bytes } = heapElements(backend, x.dtype);
    const src = offsetOf(backend, x) / bytes;
    let to = offsetOf(backend, out) / bytes;
    for (let o = 0; o < outer; o++) {
      const base = src + o * axisDim * inner;
      for (let i = 0; i < n; i++, to += inner) copyRun(heap, to, base + ids[i]! * inner, inner);
    }
    return out;
  };
  // the stock setup binds the wasm export its kernel calls; the engine reruns it whenever wasm is (re)selected
  return { kernelName: tf.GatherV2, backendName: 'wasm', kernelFunc, setupFunc: stock.setupFunc };
}
