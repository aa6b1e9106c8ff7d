/**
 * wasm kernels behind `softmaxNll` / `softmaxNllGrad`: the next-token NLL over a vocabulary in one SIMD pass per row
 * for the max and one for Σ e^(z − max) (kernels.wat `rowMaxSumExp`), and its gradient
 * `dy·(softmax(z) − onehot(target))` in one pass writing the [N, V] result (`expShiftScale`, then N corrections).
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { asWasmBackend, f32At, i32At, offsetOf } from './heap.js';
import { simdKernels } from './simd/simd-module.js';

/** Kernel name: inputs `logits [N, V]`, `targets [N]` int32 → per-row NLL `[N]` and log-sum-exp `[N]`. */
export const SOFTMAX_NLL = 'MsmoeSoftmaxNll';
/**
 * Kernel name: inputs `logits [N, V]`, `lse [N]`, `targets [N]`, `dy [N]` → `dy[r]·(softmax(z_r) − onehot(t_r))`.
 */
export const SOFTMAX_NLL_GRAD = 'MsmoeSoftmaxNllGrad';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown };

/** True when the active backend is wasm with these kernels registered and our SIMD module instantiable. */
export function softmaxNllKernelsUsable(): boolean {
  return (
    tf.getBackend() === 'wasm' &&
    tf.getKernel(SOFTMAX_NLL, 'wasm') !== undefined &&
    simdKernels(asWasmBackend(tf.backend())) !== null
  );
}

function softmaxNll(args: KernelArgs): tf.TensorInfo[] {
  const { logits, targets } = args.inputs as unknown as Record<'logits' | 'targets', tf.TensorInfo>;
  const backend = asWasmBackend(args.backend);
  const [n, v] = logits.shape as [number, number];
  const nll = backend.makeOutput([n], 'float32');
  const lse = backend.makeOutput([n], 'float32');
  const parts = backend.makeOutput([n, 2], 'float32'); // per row: max, Σ e^(z − max)
  try {
    simdKernels(backend)!.rowMaxSumExp(offsetOf(backend, logits), n, v, offsetOf(backend, parts));
    // views only now, after the last allocation
    const [z, p, t] = [
      f32At(backend, offsetOf(backend, logits), n * v),
      f32At(backend, offsetOf(backend, parts), 2 * n),
      i32At(backend, offsetOf(backend, targets), n),
    ];
    const [nllOut, lseOut] = [f32At(backend, offsetOf(backend, nll), n), f32At(backend, offsetOf(backend, lse), n)];
    for (let r = 0; r < n; r++) {
      const l = p[2 * r]! + Math.log(p[2 * r + 1]!);
      lseOut[r] = l;
      nllOut[r] = l - z[r * v + t[r]!]!;
    }
  } finally {
    backend.disposeData(parts.dataId);
  }
  return [nll, lse];
}

function softmaxNllGrad(args: KernelArgs): tf.TensorInfo {
  const { logits, lse, targets, dy } = args.inputs as unknown as Record<
    'logits' | 'lse' | 'targets' | 'dy',
    tf.TensorInfo
  >;
  const backend = asWasmBackend(args.backend);
  const [n, v] = logits.shape as [number, number];
  const out = backend.makeOutput([n, v], 'float32');
  simdKernels(backend)!.expShiftScale(
    offsetOf(backend, logits),
    offsetOf(backend, lse),
    n,
    v,
    offsetOf(backend, dy),
    offsetOf(backend, out),
  );
  const [g, t, d] = [
    f32At(backend, offsetOf(backend, out), n * v),
    i32At(backend, offsetOf(backend, targets), n),
    f32At(backend, offsetOf(backend, dy), n),
  ];
  for (let r = 0; r < n; r++) g[r * v + t[r]!]! -= d[r]!;
  return out;
}

/** The kernels' configs for `tf.registerKernel`. */
export const softmaxNllKernelConfigs: tf.KernelConfig[] = [
  { kernelName: SOFTMAX_NLL, backendName: 'wasm', kernelFunc: softmaxNll as unknown as tf.KernelFunc },
  { kernelName: SOFTMAX_NLL_GRAD, backendName: 'wasm', kernelFunc: softmaxNllGrad as unknown as tf.KernelFunc },
];
