/**
 * Kernel patches for `@tensorflow/tfjs-backend-wasm`, registered in one place.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { batchMatMulConfig } from './batch-mat-mul.js';
import { makeConv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { makeFusedMatMulConfig } from './fused-mat-mul.js';
import { makeGatherV2Config } from './gather-v2.js';
import { makeIdentityConfig } from './identity.js';
import { makeExpConfig } from './simd/exp.js';
import { makeSliceConfig, makeSplitVConfig, makeUnpackConfig } from './slice.js';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum.js';
import { groupedKernelConfigs } from './grouped-matmul.js';
import { optimizerKernelConfigs } from './adam.js';
import { softmaxNllKernelConfigs } from './softmax-nll.js';
import { layerNormKernelConfigs } from './layer-norm.js';
import { relativeSoftmaxKernelConfigs } from './relative-softmax.js';
import { dropoutKernelConfigs } from './dropout.js';
import { softmaxProbsKernelConfigs } from './softmax-probs.js';
import { makeTransposeConfig } from './transpose-kernel.js';

/** The patch configs, built once (the wrapping ones hold tfjs-wasm's own kernels, captured before replacement). */
let patches: tf.KernelConfig[] | null = null;

function buildPatches(): tf.KernelConfig[] | null {
  const names = [tf._FusedMatMul, tf.GatherV2, tf.Slice, tf.Unpack, tf.SplitV, tf.Identity, tf.Exp, tf.Transpose];
  const stock = names.map((name) => tf.getKernel(name, 'wasm'));
  if (stock.some((config) => !config)) return null;
  const [fused, gather, slice, unpack, splitV, identity, exp, transpose] = stock.map((config) => ({ ...config! }));
  return [
    unsortedSegmentSumConfig,
    makeConv2DBackpropFilterConfig(),
    batchMatMulConfig,
    makeFusedMatMulConfig(fused!),
    makeGatherV2Config(gather!),
    makeSliceConfig(slice!),
    makeUnpackConfig(unpack!),
    makeSplitVConfig(splitV!),
    makeIdentityConfig(identity!),
    makeExpConfig(exp!),
    makeTransposeConfig(transpose!),
    ...groupedKernelConfigs,
    ...optimizerKernelConfigs,
    ...softmaxNllKernelConfigs,
    ...layerNormKernelConfigs,
    ...relativeSoftmaxKernelConfigs,
    ...dropoutKernelConfigs,
    ...softmaxProbsKernelConfigs,
  ];
}

/**
 * Registers the project's wasm kernels: `UnsortedSegmentSum` and `Conv2DBackpropFilter` (missing from tfjs-wasm),
 * `BatchMatMul` / `_FusedMatMul` that keep transposed, batched and broadcast products on the fast path, and
 * `GatherV2` / `Slice` / `Unpack` / `SplitV` that copy contiguous rows inside the heap instead of element by element
 * (gather) or after copying the whole input out (slice, and unstack and split, which slice once per piece), `Identity`
 * that shares data instead of copying it (the engine clones every tensor it saves for a gradient), a SIMD `Exp`, a
 * `Transpose` that moves contiguous runs (swaps of two middle axes, as in the attention's head split), and
 * the grouped products behind `groupedMatMul` (`MsmoeGroupedMatMul`, `MsmoeGroupedWeightGrad`), and the fused
 * optimiser ops behind `adamStep` and `squaredNorm` (`MsmoeAdamStep`, `MsmoeSquaredNorm`) and the vocabulary NLL
 * behind `softmaxNll` / `softmaxNllGrad` (`MsmoeSoftmaxNll`, `MsmoeSoftmaxNllGrad`), `layerNorm`'s forward and
 * backward (`MsmoeLayerNorm`, `MsmoeLayerNormGrad`) and the attention's `relativeSoftmax` (`MsmoeRelativeSoftmax`,
 * `MsmoeRelativeSoftmaxGrad`), `seededDropout` (`MsmoeSeededDropout`) and the NLL that keeps its softmax behind
 * `softmaxWithNll` / `softmaxProbsNllGrad` (`MsmoeSoftmaxWithNll`, `MsmoeSoftmaxProbsNllGrad`). The matMuls, `Exp`
 * and the grouped products run our own SIMD kernels (simd/kernels.wat) where the module allows it.
 * Idempotent: a kernel already patched is left alone. Returns the names of the patched kernels (the same list on
 * every call), or `[]` when `@tensorflow/tfjs-backend-wasm` has not been loaded, in which case nothing is registered.
 * The kernels apply to the wasm backend only, whichever backend is active.
 * @example
 * ```ts
 * await import('@tensorflow/tfjs-backend-wasm');
 * await tf.setBackend('wasm');
 * installWasmPatches(); // ['UnsortedSegmentSum', 'Conv2DBackpropFilter', 'BatchMatMul', '_FusedMatMul', …]
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
