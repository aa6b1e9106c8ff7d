/**
 * Element copies inside the wasm heap, for the data-movement kernels (gather, slice, split, unstack).
 * @module
 */
import type * as tf from '@tensorflow/tfjs';
import type { WasmBackend } from './heap.js';

/** The heap seen in elements of one dtype's width, and that width in bytes. */
export interface HeapElements {
  /** Int32 words for 4-byte dtypes (float32 bits pass untouched, NaN payloads included), bytes for bool. */
  heap: Int32Array | Uint8Array;
  bytes: number;
}

/** The dtypes the copy kernels move; the others (string, complex64) stay with tfjs-wasm. */
export function isCopyableDtype(dtype: tf.DataType): boolean {
  return dtype === 'float32' || dtype === 'int32' || dtype === 'bool';
}

/** The whole heap in elements of `dtype`; make it after the kernel's last allocation (`_malloc` may detach it). */
export function heapElements(backend: WasmBackend, dtype: tf.DataType): HeapElements {
  const buffer = backend.wasm.HEAPU8.buffer;
  return dtype === 'bool' ? { heap: new Uint8Array(buffer), bytes: 1 } : { heap: new Int32Array(buffer), bytes: 4 };
}

/** Below this many elements a plain loop beats `copyWithin`'s call overhead. */
const SHORT_RUN = 16;

/** Copies `length` elements from element index `from` to `to` of `heap` (ranges must not overlap). */
export function copyRun(heap: Int32Array | Uint8Array, to: number, from: number, length: number): void {
  if (length < SHORT_RUN) {
    for (let j = 0; j < length; j++) heap[to + j] = heap[from + j]!;
  } else {
    heap.copyWithin(to, from, from + length);
  }
}
