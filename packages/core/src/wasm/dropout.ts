/**
 * wasm kernel behind `seededDropout`: the keep mask drawn from a counter-based integer hash and applied in one SIMD
 * pass (kernels.wat `dropoutF32`), where `tf.dropout` draws every uniform number in JavaScript (seedrandom's Alea, tens
 * of ns each) and then runs four elementwise kernels.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { asWasmBackend, offsetOf } from './heap.js';
import { simdKernels } from './simd/simd-module.js';

/** Kernel name: input `x` (float32, any shape), attrs `key`, `threshold` (uint32), `scale` → `x · mask`. */
export const SEEDED_DROPOUT = 'MsmoeSeededDropout';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/** True when the kernel can run on the active backend. */
export function dropoutKernelUsable(): boolean {
  return (
    tf.getBackend() === 'wasm' &&
    tf.getKernel(SEEDED_DROPOUT, 'wasm') !== undefined &&
    simdKernels(asWasmBackend(tf.backend())) !== null
  );
}

function seededDropout(args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs as unknown as { x: tf.TensorInfo };
  const { key, threshold, scale } = args.attrs as unknown as { key: number; threshold: number; scale: number };
  const backend = asWasmBackend(args.backend);
  const y = backend.makeOutput(x.shape, 'float32');
  const count = tf.util.sizeFromShape(x.shape);
  // i32 arguments: the kernel reads key and threshold as unsigned 32-bit integers
  simdKernels(backend)!.dropoutF32(offsetOf(backend, x), offsetOf(backend, y), count, key | 0, threshold | 0, scale);
  return y;
}

/** The kernel's config for `tf.registerKernel`. */
export const dropoutKernelConfigs: tf.KernelConfig[] = [
  { kernelName: SEEDED_DROPOUT, backendName: 'wasm', kernelFunc: seededDropout as unknown as tf.KernelFunc },
];
