/**
 * wasm kernels behind `relativeSoftmax`: the relative-position attention's unskew, position add, scale and softmax in
 * one kernel (kernels.wat `relSoftmaxF32`), and its backward with the skew in one more (`relSoftmaxGradF32`), where
 * tfjs runs a pad, three reshapes, a slice, an add, a multiply and a softmax forward and their gradients backward.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { asWasmBackend, offsetOf } from './heap.js';
import { simdKernels } from './simd/simd-module.js';

/**
 * Kernel name: inputs `qk [N, M, L+M]`, `pos [N, M, L]`, attrs `scale`, `skewed` → probabilities `[N, M, L]`, or with
 * `skewed` placed back onto the keys, `[N, M, L+M]` (zero outside each query's window).
 */
export const RELATIVE_SOFTMAX = 'MsmoeRelativeSoftmax';
/**
 * Kernel name: inputs `probs`, `dprobs` (`[N, M, L]`, or `[N, M, L+M]` with `skewed`), attrs `scale`, `skewed`
 * (optional) and, with `skewed`, the span `l` → `dqk [N, M, L+M]`, `dpos [N, M, L]`.
 */
export const RELATIVE_SOFTMAX_GRAD = 'MsmoeRelativeSoftmaxGrad';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/** True when the kernels can run on the active backend for block `m` and span `l` (both multiples of 4). */
export function relativeSoftmaxKernelsUsable(m: number, l: number): boolean {
  return (
    m % 4 === 0 &&
    l % 4 === 0 &&
    l > 0 &&
    tf.getBackend() === 'wasm' &&
    tf.getKernel(RELATIVE_SOFTMAX, 'wasm') !== undefined &&
    simdKernels(asWasmBackend(tf.backend())) !== null
  );
}

function relativeSoftmax(args: KernelArgs): tf.TensorInfo {
  const { qk, pos } = args.inputs as unknown as Record<'qk' | 'pos', tf.TensorInfo>;
  const { scale, skewed } = args.attrs as unknown as { scale: number; skewed: boolean };
  const backend = asWasmBackend(args.backend);
  const [n, m, l] = pos.shape as [number, number, number];
  const out = backend.makeOutput([n, m, skewed ? l + m : l], 'float32');
  simdKernels(backend)!.relSoftmaxF32(
    offsetOf(backend, qk),
    offsetOf(backend, pos),
    n,
    m,
    l,
    scale,
    offsetOf(backend, out),
    skewed ? 1 : 0,
  );
  return out;
}

function relativeSoftmaxGrad(args: KernelArgs): tf.TensorInfo[] {
  const { probs, dprobs } = args.inputs as unknown as Record<'probs' | 'dprobs', tf.TensorInfo>;
  const attrs = args.attrs as unknown as { scale: number; skewed?: boolean; l?: number };
  const { scale, skewed } = attrs;
  const backend = asWasmBackend(args.backend);
  const [n, m, width] = probs.shape as [number, number, number];
  const l = skewed ? attrs.l! : width;
  const dqk = backend.makeOutput([n, m, l + m], 'float32');
  const dpos = backend.makeOutput([n, m, l], 'float32');
  const at = (t: tf.TensorInfo) => offsetOf(backend, t);
  simdKernels(backend)!.relSoftmaxGradF32(at(probs), at(dprobs), n, m, l, scale, at(dqk), at(dpos), skewed ? 1 : 0);
  return [dqk, dpos];
}

/** The kernels' configs for `tf.registerKernel`. */
export const relativeSoftmaxKernelConfigs: tf.KernelConfig[] = [
  { kernelName: RELATIVE_SOFTMAX, backendName: 'wasm', kernelFunc: relativeSoftmax as unknown as tf.KernelFunc },
  {
    kernelName: RELATIVE_SOFTMAX_GRAD,
    backendName: 'wasm',
    kernelFunc: relativeSoftmaxGrad as unknown as tf.KernelFunc,
  },
];
