/**
 * Float32 copies between tensors and one reused host array, for the gradient all-reduce: `await t.data()` allocates a
 * fresh array per tensor (16 MB a step for smoe-tiny), and `tf.concat` first adds a copy on the device. On wasm the
 * values are copied straight out of the module's heap; elsewhere through `data()`.
 * @module
 */
import * as tf from '@tensorflow/tfjs';

/** The parts of tfjs-backend-wasm's backend a heap copy needs (public fields of its `BackendWasm`). */
interface WasmHeap {
  dataIdMap: { get(id: tf.DataId): { memoryOffset: number; dtype: string } | undefined };
  wasm: { HEAPF32: Float32Array };
}

/** Copies the float32 values of `t` into `out[offset …]`. */
export async function readInto(t: tf.Tensor, out: Float32Array, offset: number): Promise<void> {
  if (t.dtype === 'float32' && tf.getBackend() === 'wasm') {
    const backend = tf.backend() as unknown as WasmHeap;
    const entry = backend.dataIdMap.get(t.dataId);
    if (entry && entry.dtype === 'float32') {
      const start = entry.memoryOffset / Float32Array.BYTES_PER_ELEMENT;
      // HEAPF32 is read at each call: the view is replaced when the module's memory grows.
      out.set(backend.wasm.HEAPF32.subarray(start, start + t.size), offset);
      return;
    }
  }
  out.set((await t.data()) as Float32Array, offset);
}

/**
 * A float32 tensor holding a copy of `values`: the wasm backend copies on creation, the cpu backend would keep the
 * array itself, so it gets a copy (the caller reuses `values`).
 */
export function tensorCopy(values: Float32Array, shape: number[]): tf.Tensor {
  return tf.tensor(tf.getBackend() === 'wasm' ? values : values.slice(), shape, 'float32');
}
