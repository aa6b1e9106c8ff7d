/**
 * `Transpose` for wasm where the permutation moves runs of contiguous elements: after merging the input axes that stay
 * next to each other, a permutation that swaps two middle axes, `[outer, a, b, inner] → [outer, b, a, inner]` with
 * `inner ≥ 4` (the attention's head split and merge, `[B, T, K, D]` ↔ `[B, K, T, D]`), is one SIMD copy of runs
 * (kernels.wat `swapMiddle32`); tfjs-wasm's kernel moves one element at a time. Other permutations, and dtypes other
 * than float32 and int32, stay with tfjs-wasm.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { asWasmBackend, offsetOf } from './heap.js';
import { simdKernels } from './simd/simd-module.js';

/** `[outer, a, b, inner]` when `perm` on `shape` swaps two middle axes of runs of `inner` elements, else null. */
export function swapMiddleDims(
  shape: readonly number[],
  perm: readonly number[],
): [number, number, number, number] | null {
  // group the output axes into runs of consecutive input axes, then number the runs in input order
  const runs: number[][] = [];
  for (const axis of perm) {
    const last = runs.at(-1);
    if (last && last.at(-1)! + 1 === axis) last.push(axis);
    else runs.push([axis]);
  }
  const byInput = [...runs].sort((x, y) => x[0]! - y[0]!);
  const size = (run: number[]) => run.reduce((p, axis) => p * shape[axis]!, 1);
  const merged = runs.map((run) => byInput.indexOf(run)); // the permutation of the merged axes
  const dims = byInput.map(size);
  const key = merged.join(',');
  if (key === '0,2,1,3') return [dims[0]!, dims[1]!, dims[2]!, dims[3]!];
  if (key === '1,0,2') return [1, dims[0]!, dims[1]!, dims[2]!];
  return null;
}

/** Builds `Transpose`; `stock` (tfjs-wasm's own) runs the permutations and dtypes this one leaves alone. */
export function makeTransposeConfig(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { x } = args.inputs as unknown as { x: tf.TensorInfo };
    const { perm } = args.attrs as unknown as tf.TransposeAttrs;
    const dims = x.dtype === 'float32' || x.dtype === 'int32' ? swapMiddleDims(x.shape, perm) : null;
    const backend = asWasmBackend(args.backend);
    const kernels = simdKernels(backend);
    if (!dims || dims[3] < 4 || !kernels) return stock.kernelFunc(args);
    const out = backend.makeOutput(
      perm.map((axis) => x.shape[axis]!),
      x.dtype,
    );
    kernels.swapMiddle32(offsetOf(backend, x), offsetOf(backend, out), ...dims);
    return out;
  };
  // the stock setup binds the wasm export its kernel calls
  return { kernelName: tf.Transpose, backendName: 'wasm', kernelFunc, setupFunc: stock.setupFunc };
}
