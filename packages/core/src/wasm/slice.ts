/**
 * `Slice`, `Unpack` and `SplitV` for wasm. tfjs-wasm's slice first copies the whole input out of the heap, and its
 * unstack and split call it once per piece: O(pieces × input). These copy only the sliced elements, in contiguous
 * runs inside the heap. String tensors stay with tfjs-wasm.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { asWasmBackend, offsetOf, type WasmBackend } from './heap.js';
import { copyRun, heapElements, isCopyableDtype } from './heap-copy.js';

/**
 * Copies `x[begin : begin + size]` (begin and size already parsed: non-negative, in range) into a new tensor.
 * The trailing dims taken whole merge into one contiguous run; the dims before them are walked like an odometer.
 */
function sliceCopy(backend: WasmBackend, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  const total = tf.util.sizeFromShape(size);
  if (total === 0) return out;
  const rank = x.shape.length;
  const strides = [...tf.util.computeStrides(x.shape), 1]; // strides[rank - 1] = 1, also for rank 0
  // run: the innermost dim `k` not taken whole, with every dim after it
  let k = rank - 1;
  while (k > 0 && size[k] === x.shape[k]) k--;
  const run = k < 0 ? 1 : size[k]! * strides[k]!;
  const { heap, bytes } = heapElements(backend, x.dtype);
  let from = offsetOf(backend, x) / bytes;
  for (let d = 0; d < rank; d++) from += begin[d]! * strides[d]!;
  let to = offsetOf(backend, out) / bytes;
  const counter = new Array<number>(Math.max(k, 0)).fill(0);
  for (let copied = 0; copied < total; copied += run, to += run) {
    copyRun(heap, to, from, run);
    // advance the odometer over dims k-1 … 0
    for (let d = k - 1; d >= 0; d--) {
      from += strides[d]!;
      if (++counter[d]! < size[d]!) break;
      counter[d] = 0;
      from -= size[d]! * strides[d]!;
    }
  }
  return out;
}

/** Builds `Slice`; `stock` (tfjs-wasm's own) slices string tensors. */
export function makeSliceConfig(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { x } = args.inputs as unknown as { x: tf.TensorInfo };
    if (!isCopyableDtype(x.dtype)) return stock.kernelFunc(args);
    const { begin, size } = args.attrs as unknown as tf.SliceAttrs;
    const [start, extent] = tf.slice_util.parseSliceParams(x, begin, size) as [number[], number[]];
    return sliceCopy(asWasmBackend(args.backend), x, start, extent);
  };
  return { kernelName: tf.Slice, backendName: 'wasm', kernelFunc };
}

/** Builds `Unpack` (`tf.unstack`) over the patched slice; `stock` unstacks string tensors. */
export function makeUnpackConfig(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { value } = args.inputs as unknown as { value: tf.TensorInfo };
    if (!isCopyableDtype(value.dtype)) return stock.kernelFunc(args);
    const backend = asWasmBackend(args.backend);
    const { axis } = args.attrs as unknown as tf.UnpackAttrs;
    const ax = tf.util.parseAxisParam(axis, value.shape)[0]!;
    // value: [..., count, ...] → count × [..., ...]
    const outShape = value.shape.filter((_, d) => d !== ax);
    const begin = new Array<number>(value.shape.length).fill(0);
    const size = [...value.shape];
    size[ax] = 1;
    return Array.from({ length: value.shape[ax]! }, (_, i) => {
      begin[ax] = i;
      const piece = sliceCopy(backend, value, begin, size);
      return { ...piece, shape: outShape };
    });
  };
  return { kernelName: tf.Unpack, backendName: 'wasm', kernelFunc };
}

/** Builds `SplitV` (`tf.split`) over the patched slice; `stock` splits string tensors. */
export function makeSplitVConfig(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { x } = args.inputs as unknown as { x: tf.TensorInfo };
    if (!isCopyableDtype(x.dtype)) return stock.kernelFunc(args);
    const backend = asWasmBackend(args.backend);
    const { numOrSizeSplits, axis } = args.attrs as unknown as tf.SplitVAttrs;
    const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x, numOrSizeSplits, ax);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[ax] = s;
      const piece = sliceCopy(backend, x, begin, size);
      begin[ax]! += s;
      return piece;
    });
  };
  return { kernelName: tf.SplitV, backendName: 'wasm', kernelFunc };
}
