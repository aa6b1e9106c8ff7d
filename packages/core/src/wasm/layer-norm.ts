/**
 * wasm kernels behind `layerNorm`: the forward (kernels.wat `layerNormF32`, three SIMD passes per row, also
 * returning each row's mean and 1/σ) and the backward (`layerNormGradF32`: dx, dgamma and dbeta in two passes per
 * row), where tfjs runs about ten elementwise and reduction kernels forward and twenty backward.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { asWasmBackend, offsetOf } from './heap.js';
import { simdKernels } from './simd/simd-module.js';

/** Kernel name: inputs `x [R, D]`, `gamma [D]`, `beta [D]`, attr `eps` → `y [R, D]`, `stats [R, 2]` (mean, 1/σ). */
export const LAYER_NORM = 'MsmoeLayerNorm';
/** Kernel name: inputs `x`, `dy [R, D]`, `gamma [D]`, `stats [R, 2]` → `dx [R, D]`, `dgamma [D]`, `dbeta [D]`. */
export const LAYER_NORM_GRAD = 'MsmoeLayerNormGrad';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/** True when the kernels can run a layer norm over rows of `d` floats on the active backend (d a multiple of 4). */
export function layerNormKernelsUsable(d: number): boolean {
  return (
    d % 4 === 0 &&
    d > 0 &&
    tf.getBackend() === 'wasm' &&
    tf.getKernel(LAYER_NORM, 'wasm') !== undefined &&
    simdKernels(asWasmBackend(tf.backend())) !== null
  );
}

function layerNorm(args: KernelArgs): tf.TensorInfo[] {
  const { x, gamma, beta } = args.inputs as unknown as Record<'x' | 'gamma' | 'beta', tf.TensorInfo>;
  const { eps } = args.attrs as unknown as { eps: number };
  const backend = asWasmBackend(args.backend);
  const [rows, d] = x.shape as [number, number];
  const y = backend.makeOutput([rows, d], 'float32');
  const stats = backend.makeOutput([rows, 2], 'float32');
  const at = (t: tf.TensorInfo) => offsetOf(backend, t);
  simdKernels(backend)!.layerNormF32(at(x), at(gamma), at(beta), rows, d, eps, at(y), at(stats));
  return [y, stats];
}

function layerNormGrad(args: KernelArgs): tf.TensorInfo[] {
  const { x, dy, gamma, stats } = args.inputs as unknown as Record<'x' | 'dy' | 'gamma' | 'stats', tf.TensorInfo>;
  const backend = asWasmBackend(args.backend);
  const [rows, d] = x.shape as [number, number];
  const outs = [
    backend.makeOutput([rows, d], 'float32'),
    backend.makeOutput([d], 'float32'),
    backend.makeOutput([d], 'float32'),
  ];
  const at = (t: tf.TensorInfo) => offsetOf(backend, t);
  simdKernels(backend)!.layerNormGradF32(at(x), at(dy), at(gamma), at(stats), rows, d, ...outs.map(at));
  return outs;
}

/** The kernels' configs for `tf.registerKernel`. */
export const layerNormKernelConfigs: tf.KernelConfig[] = [
  { kernelName: LAYER_NORM, backendName: 'wasm', kernelFunc: layerNorm as unknown as tf.KernelFunc },
  { kernelName: LAYER_NORM_GRAD, backendName: 'wasm', kernelFunc: layerNormGrad as unknown as tf.KernelFunc },
];
