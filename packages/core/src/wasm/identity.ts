/**
 * `Identity` for wasm without the copy. The engine runs it for `tf.clone` and for every tensor it saves for a
 * gradient, and tfjs-wasm's kernel copies the data each time (a saved `[64, 256, 1024]` expert weight is 64 MB per
 * call). Tensors are immutable, so this shares the input's data by reference count, as the cpu backend does.
 * @module
 */
import * as tf from '@tensorflow/tfjs';

interface RefCounted {
  incRef(dataId: object): void;
}

/** Builds the kernel; `stock` (tfjs-wasm's own) keeps string tensors, which live outside the heap. */
export function makeIdentityConfig(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { x } = args.inputs as unknown as { x: tf.TensorInfo };
    if (x.dtype === 'string') return stock.kernelFunc(args);
    (args.backend as unknown as RefCounted).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  return { kernelName: tf.Identity, backendName: 'wasm', kernelFunc };
}
