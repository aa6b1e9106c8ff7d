/**
 * Kernel patches for `@tensorflow/tfjs-backend-wasm`, registered in one place.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { batchMatMulConfig } from './batch-mat-mul.js';
import { makeConv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { makeFusedMatMulConfig } from './fused-mat-mul.js';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum.js';

/** The patch configs, built once (the fused one wraps tfjs-wasm's own kernel, captured before it is replaced). */
let patches: tf.KernelConfig[] | null = null;

function buildPatches(): tf.KernelConfig[] | null {
  const stockFused = tf.getKernel(tf._FusedMatMul, 'wasm');
  if (!stockFused) return null;
  return [unsortedSegmentSumConfig, makeConv2DBackpropFilterConfig(), batchMatMulConfig, makeFusedMatMulConfig({ ...stockFused })];
}

/**
 * Registers the project's wasm kernels: `UnsortedSegmentSum` and `Conv2DBackpropFilter` (missing from tfjs-wasm),
 * and `BatchMatMul` / `_FusedMatMul` that keep transposed, batched and broadcast products on the fast path.
 * Idempotent: a kernel already patched is left alone. Returns the names of the patched kernels (the same list on
 * every call), or `[]` when `@tensorflow/tfjs-backend-wasm` has not been loaded, in which case nothing is registered.
 * The kernels apply to the wasm backend only, whichever backend is active.
 * @example
 * ```ts
 * await import('@tensorflow/tfjs-backend-wasm');
 * await tf.setBackend('wasm');
 * installWasmPatches(); // ['UnsortedSegmentSum', 'Conv2DBackpropFilter', 'BatchMatMul', '_FusedMatMul']
 * ```
 */
export function installWasmPatches(): string[] {
  patches ??= buildPatches();
  if (!patches) return [];
  for (const patch of patches) {
    const current = tf.getKernel(patch.kernelName, 'wasm');
    if (current?.kernelFunc === patch.kernelFunc) continue;
    if (current) tf.unregisterKernel(patch.kernelName, 'wasm');
    tf.registerKernel(patch);
  }
  return patches.map((p) => p.kernelName);
}
