/**
 * wasm kernels of the grouped products behind `groupedMatMul` / `groupedWeightGrad`: one {@link simdGemm} call per
 * group of rows, on the tensors in place (group g's weights at offset g·|w_g|, its rows from its first row), so no
 * per-expert copy, gather, stack or transpose is made.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { asWasmBackend, offsetOf } from './heap.js';
import { gemmWorkspaceFloats, hasSimdGemm, simdGemm, withGemmWorkspace } from './simd/simd-gemm.js';

/** Kernel name of `y[rows of g] = x[rows of g] · op(w[g]) (+ bias[g])`. */
export const GROUPED_MAT_MUL = 'MsmoeGroupedMatMul';
/** Kernel name of `out[g] = a[rows of g]ᵀ · b[rows of g]`. */
export const GROUPED_WEIGHT_GRAD = 'MsmoeGroupedWeightGrad';

/** Attributes of both kernels: rows per group, groups back to back. */
export interface GroupedAttrs {
  counts: number[];
  /** GroupedMatMul only: w is `[E, M, K]` and used transposed. */
  transposeW?: boolean;
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/** True when the active backend is wasm with these kernels registered and a usable SIMD gemm. */
export function groupedKernelsUsable(): boolean {
  return (
    tf.getBackend() === 'wasm' &&
    tf.getKernel(GROUPED_MAT_MUL, 'wasm') !== undefined &&
    hasSimdGemm(asWasmBackend(tf.backend()))
  );
}

function groupedMatMul(args: KernelArgs): tf.TensorInfo {
  const { x, w, bias } = args.inputs as unknown as { x: tf.TensorInfo; w: tf.TensorInfo; bias?: tf.TensorInfo };
  const { counts, transposeW = false } = args.attrs as unknown as GroupedAttrs;
  const backend = asWasmBackend(args.backend);
  const [rows, k] = x.shape as [number, number];
  const m = transposeW ? w.shape[1]! : w.shape[2]!;
  const out = backend.makeOutput([rows, m], 'float32');
  const floats = Math.max(0, ...counts.map((n) => gemmWorkspaceFloats(n, m, k)));
  return withGemmWorkspace(backend, out, floats, (workspace) => {
    const [xAt, wAt, yAt] = [offsetOf(backend, x), offsetOf(backend, w), offsetOf(backend, out)];
    const biasAt = bias ? offsetOf(backend, bias) : 0;
    // w_g is read in place either way: [k, m] by rows, or [m, k] by columns when transposed
    const wLayout = transposeW ? { bRow: 1, bCol: k } : { bRow: m, bCol: 1 };
    let start = 0;
    counts.forEach((n, g) => {
      // y_g [n, m] = x_g [n, k] · op(w_g) [k, m] + bias_g
      if (n > 0) {
        simdGemm(
          backend,
          {
            m: n,
            n: m,
            k,
            a: xAt + 4 * start * k,
            aRow: k,
            aCol: 1,
            b: wAt + 4 * g * k * m,
            ...wLayout,
            c: yAt + 4 * start * m,
            cRow: m,
            bias: biasAt && biasAt + 4 * g * m,
          },
          workspace,
        );
      }
      start += n;
    });
  });
}

function groupedWeightGrad(args: KernelArgs): tf.TensorInfo {
  const { a, b } = args.inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { counts } = args.attrs as unknown as GroupedAttrs;
  const backend = asWasmBackend(args.backend);
  const p = a.shape[1]!;
  const q = b.shape[1]!;
  const out = backend.makeOutput([counts.length, p, q], 'float32');
  const floats = Math.max(0, ...counts.map((n) => gemmWorkspaceFloats(p, q, n)));
  return withGemmWorkspace(backend, out, floats, (workspace) => {
    const [aAt, bAt, outAt] = [offsetOf(backend, a), offsetOf(backend, b), offsetOf(backend, out)];
    let start = 0;
    counts.forEach((n, g) => {
      // out_g [p, q] = a_gᵀ [p, n] · b_g [n, q]; an empty group (k = 0) writes zeros
      simdGemm(
        backend,
        {
          m: p,
          n: q,
          k: n,
          a: aAt + 4 * start * p,
          aRow: 1,
          aCol: p,
          b: bAt + 4 * start * q,
          bRow: q,
          c: outAt + 4 * g * p * q,
          cRow: q,
        },
        workspace,
      );
      start += n;
    });
  });
}

/** Kernel configs of the two grouped products on wasm. */
export const groupedKernelConfigs: tf.KernelConfig[] = [
  { kernelName: GROUPED_MAT_MUL, backendName: 'wasm', kernelFunc: groupedMatMul as tf.KernelFunc },
  { kernelName: GROUPED_WEIGHT_GRAD, backendName: 'wasm', kernelFunc: groupedWeightGrad as tf.KernelFunc },
];
