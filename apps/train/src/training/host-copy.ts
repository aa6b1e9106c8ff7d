/**
 * Float32 copies between gradient tensors and the all-reduce's buffers: `await t.data()` allocates a fresh array per
 * tensor (16 MB a step for smoe-tiny). On wasm the values are read straight off the module's heap; elsewhere through
 * `data()`.
 * @module
 */
import * as tf from '@tensorflow/tfjs';

/** The parts of tfjs-backend-wasm's backend a heap view needs (public fields of its `BackendWasm`). */
interface WasmHeap {
  dataIdMap: { get(id: tf.DataId): { memoryOffset: number; dtype: string } | undefined };
  wasm: { HEAPF32: Float32Array };
}

/**
 * The float32 values of `t` as a view of the wasm heap, without a copy; null when `t` is not a float32 tensor of the
 * wasm backend. Take it right before reading it: the next tfjs allocation may grow the heap, which detaches the view.
 */
export function heapView(t: tf.Tensor): Float32Array | null {
  if (t.dtype !== 'float32' || tf.getBackend() !== 'wasm') return null;
  const backend = tf.backend() as unknown as WasmHeap;
  const entry = backend.dataIdMap.get(t.dataId);
  if (!entry || entry.dtype !== 'float32') return null;
  const start = entry.memoryOffset / Float32Array.BYTES_PER_ELEMENT;
  // HEAPF32 is read at each call: the view is replaced when the module's memory grows.
  return backend.wasm.HEAPF32.subarray(start, start + t.size);
}

/**
 * What a synchronous copy of `t`'s values needs fetched first: nothing on wasm (read {@link heapView} at the copy),
 * else the values from `data()`.
 */
export async function hostValues(t: tf.Tensor): Promise<Float32Array | null> {
  return heapView(t) ? null : ((await t.data()) as Float32Array);
}

/**
 * A float32 tensor holding a copy of `values`: the wasm backend copies on creation, the cpu backend would keep the
 * array itself, so it gets a copy (the caller reuses `values`).
 */
export function tensorCopy(values: Float32Array, shape: number[]): tf.Tensor {
  return tf.tensor(tf.getBackend() === 'wasm' ? values : values.slice(), shape, 'float32');
}
