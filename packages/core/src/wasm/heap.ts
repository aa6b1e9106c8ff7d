/**
 * The slice of the tfjs wasm backend that the patches use, and zero-copy access to its heap.
 * Heap typed arrays are made only after every allocation of a kernel: `_malloc` may grow the heap and detach them.
 * @module
 */
import type * as tf from '@tensorflow/tfjs';

/** What the patches need of the emscripten module behind the wasm backend. */
export interface WasmModule {
  HEAPU8: Uint8Array;
  cwrap(name: string, returnType: null, argTypes: string[]): (...args: unknown[]) => void;
  tfjs: { disposeData(id: number): void };
}

/** One tensor's record in the wasm backend: its registered id and where its bytes live. */
export interface WasmTensorData {
  id: number;
  memoryOffset: number;
  shape: number[];
  dtype: string;
}

/** What the patches need of `BackendWasm` (declared here so that core does not import the package's internals). */
export interface WasmBackend {
  wasm: WasmModule;
  dataIdMap: { get(dataId: object): WasmTensorData | undefined; delete(dataId: object): boolean };
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number): tf.TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** The wasm backend behind a kernel call (the engine passes it as `backend`). */
export function asWasmBackend(backend: unknown): WasmBackend {
  return backend as WasmBackend;
}

/** The backend record behind a data id; throws if the wasm backend does not hold it. */
export function tensorData(backend: WasmBackend, dataId: object): WasmTensorData {
  const data = backend.dataIdMap.get(dataId);
  if (!data) throw new Error('wasm patch: a kernel input is not held by the wasm backend');
  return data;
}

/** Byte offset of a tensor's data on the heap. */
export function offsetOf(backend: WasmBackend, info: tf.TensorInfo): number {
  return tensorData(backend, info.dataId).memoryOffset;
}

/** A float32 view of `size` elements at byte `offset`; make it after the kernel's last allocation. */
export function f32At(backend: WasmBackend, offset: number, size: number): Float32Array {
  return new Float32Array(backend.wasm.HEAPU8.buffer, offset, size);
}

/** An int32 view of `size` elements at byte `offset`; make it after the kernel's last allocation. */
export function i32At(backend: WasmBackend, offset: number, size: number): Int32Array {
  return new Int32Array(backend.wasm.HEAPU8.buffer, offset, size);
}

/** A tensor id registered over memory owned by another tensor; release it with {@link releaseView}. */
export interface HeapView {
  info: tf.TensorInfo;
  id: number;
}

/**
 * Registers a fresh tensor id over `size(shape)` float32 elements at byte `offset` (no copy, no allocation).
 * A fresh id means that nothing the wasm matMul cached under another id (packed weights) can be reused for it.
 */
export function makeView(backend: WasmBackend, offset: number, shape: number[]): HeapView {
  const info = backend.makeOutput(shape, 'float32', offset);
  return { info, id: tensorData(backend, info.dataId).id };
}

/**
 * Unregisters a view without freeing the memory it points at (its owner does that); drops what was cached on its id.
 */
export function releaseView(backend: WasmBackend, view: HeapView): void {
  backend.wasm.tfjs.disposeData(view.id);
  backend.dataIdMap.delete(view.info.dataId);
}
