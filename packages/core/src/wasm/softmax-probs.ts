/**
 * wasm kernels behind `softmaxWithNll` / `softmaxProbsNllGrad`: the forward keeps the vocabulary softmax (kernels.wat
 * `rowSoftmaxF32`: max, then e^(z − max) written and summed, then normalised while the row is in cache), so the
 * backward is one multiply pass with no exponential, which also sums the bias gradient (`scaleRowsColSums`).
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { asWasmBackend, f32At, i32At, offsetOf } from './heap.js';
import { simdKernels } from './simd/simd-module.js';

/** Kernel name: inputs `logits [N, V]`, `targets [N]` int32 → per-row NLL `[N]` and `softmax(logits)` `[N, V]`. */
export const SOFTMAX_WITH_NLL = 'MsmoeSoftmaxWithNll';
/** Kernel name: inputs `probs [N, V]`, `targets [N]`, `dy [N]` → `dy[r]·(probs_r − onehot(t_r))` + column sums. */
export const SOFTMAX_PROBS_NLL_GRAD = 'MsmoeSoftmaxProbsNllGrad';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown };

/** True when the active backend is wasm with these kernels registered and our SIMD module instantiable. */
export function softmaxProbsKernelsUsable(): boolean {
  return (
    tf.getBackend() === 'wasm' &&
    tf.getKernel(SOFTMAX_WITH_NLL, 'wasm') !== undefined &&
    simdKernels(asWasmBackend(tf.backend())) !== null
  );
}

function softmaxWithNll(args: KernelArgs): tf.TensorInfo[] {
  const { logits, targets } = args.inputs as unknown as Record<'logits' | 'targets', tf.TensorInfo>;
  const backend = asWasmBackend(args.backend);
  const [n, v] = logits.shape as [number, number];
  const nll = backend.makeOutput([n], 'float32');
  const probs = backend.makeOutput([n, v], 'float32');
  const parts = backend.makeOutput([n, 2], 'float32'); // per row: max, Σ e^(z − max)
  try {
    const at = (t: tf.TensorInfo) => offsetOf(backend, t);
    simdKernels(backend)!.rowSoftmaxF32(at(logits), n, v, at(probs), at(parts));
    // views only now, after the last allocation
    const [z, p, nllOut] = [
      f32At(backend, at(logits), n * v),
      f32At(backend, at(parts), 2 * n),
      f32At(backend, at(nll), n),
    ];
    const ids = i32At(backend, at(targets), n);
    for (let r = 0; r < n; r++) nllOut[r] = p[2 * r]! + Math.log(p[2 * r + 1]!) - z[r * v + ids[r]!]!;
  } finally {
    backend.disposeData(parts.dataId);
  }
  return [nll, probs];
}

function softmaxProbsNllGrad(args: KernelArgs): tf.TensorInfo[] {
  const { probs, targets, dy } = args.inputs as unknown as Record<'probs' | 'targets' | 'dy', tf.TensorInfo>;
  const backend = asWasmBackend(args.backend);
  const [n, v] = probs.shape as [number, number];
  const dLogits = backend.makeOutput([n, v], 'float32');
  const sums = backend.makeOutput([v], 'float32');
  const at = (t: tf.TensorInfo) => offsetOf(backend, t);
  simdKernels(backend)!.scaleRowsColSums(at(probs), n, v, at(dy), at(dLogits), at(sums));
  const [g, s, d] = [f32At(backend, at(dLogits), n * v), f32At(backend, at(sums), v), f32At(backend, at(dy), n)];
  const t = i32At(backend, at(targets), n);
  for (let r = 0; r < n; r++) {
    g[r * v + t[r]!]! -= d[r]!;
    s[t[r]!]! -= d[r]!;
  }
  return [dLogits, sums];
}

/** The kernels' configs for `tf.registerKernel`. */
export const softmaxProbsKernelConfigs: tf.KernelConfig[] = [
  { kernelName: SOFTMAX_WITH_NLL, backendName: 'wasm', kernelFunc: softmaxWithNll as unknown as tf.KernelFunc },
  {
    kernelName: SOFTMAX_PROBS_NLL_GRAD,
    backendName: 'wasm',
    kernelFunc: softmaxProbsNllGrad as unknown as tf.KernelFunc,
  },
];
