/**
 * wasm kernels of the fused optimiser ops behind `adamStep` and `squaredNorm`: one SIMD pass over a parameter
 * (kernels.wat `adamF32`) instead of tfjs's dozen elementwise passes, each scalar code on wasm; and Σx² over many
 * tensors in one kernel call, accumulated in float64 (`sumSquaresF32`).
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { asWasmBackend, f32At, offsetOf } from './heap.js';
import { simdKernels } from './simd/simd-module.js';

/**
 * Kernel name of one Adam step: inputs `param, grad, m, v, scale` (scale: a scalar gradient factor); outputs the
 * new param, m, v.
 */
export const ADAM_STEP = 'MsmoeAdamStep';
/** Kernel name of Σ x² over all inputs (any number of float32 tensors) → float32 scalar. */
export const SQUARED_NORM = 'MsmoeSquaredNorm';

/** Attributes of {@link ADAM_STEP}: `c1`, `c2` are the bias corrections 1 − β^t. */
export interface AdamStepAttrs {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  c1: number;
  c2: number;
  weightDecay: number;
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/** True when the active backend is wasm with these kernels registered and our SIMD module instantiable. */
export function optimizerKernelsUsable(): boolean {
  return (
    tf.getBackend() === 'wasm' &&
    tf.getKernel(ADAM_STEP, 'wasm') !== undefined &&
    simdKernels(asWasmBackend(tf.backend())) !== null
  );
}

function adamStep(args: KernelArgs): tf.TensorInfo[] {
  const { param, grad, m, v, scale } = args.inputs as unknown as Record<
    'param' | 'grad' | 'm' | 'v' | 'scale',
    tf.TensorInfo
  >;
  const { lr, beta1, beta2, eps, c1, c2, weightDecay } = args.attrs as unknown as AdamStepAttrs;
  const backend = asWasmBackend(args.backend);
  const outs = [param, m, v].map((t) => backend.makeOutput(t.shape, 'float32'));
  const [pOut, mOut, vOut] = outs.map((t) => offsetOf(backend, t)) as [number, number, number];
  const g = f32At(backend, offsetOf(backend, scale), 1)[0]!;
  const count = tf.util.sizeFromShape(param.shape);
  const at = (t: tf.TensorInfo) => offsetOf(backend, t);
  simdKernels(backend)!.adamF32(
    at(param),
    at(grad),
    at(m),
    at(v),
    pOut,
    mOut,
    vOut,
    count,
    lr,
    beta1,
    beta2,
    eps,
    c1,
    c2,
    weightDecay,
    g,
  );
  return outs;
}

function squaredNorm(args: KernelArgs): tf.TensorInfo {
  const backend = asWasmBackend(args.backend);
  const kernels = simdKernels(backend)!;
  let sum = 0;
  for (const t of Object.values(args.inputs) as tf.TensorInfo[])
    sum += kernels.sumSquaresF32(offsetOf(backend, t), tf.util.sizeFromShape(t.shape));
  const out = backend.makeOutput([], 'float32');
  f32At(backend, offsetOf(backend, out), 1)[0] = sum;
  return out;
}

/** The kernels' configs for `tf.registerKernel`. */
export const optimizerKernelConfigs: tf.KernelConfig[] = [
  { kernelName: ADAM_STEP, backendName: 'wasm', kernelFunc: adamStep as unknown as tf.KernelFunc },
  { kernelName: SQUARED_NORM, backendName: 'wasm', kernelFunc: squaredNorm as unknown as tf.KernelFunc },
];
