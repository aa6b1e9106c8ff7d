/**
 * wasm kernels of the grouped products behind `groupedMatMul` / `groupedWeightGrad`: one {@link simdGemm} call per
 * group of rows, on the tensors in place (group g's weights are a view at offset g·|w_g|, its rows a view at its
 * first row), so no per-expert copy, gather, stack or weight packing is made.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { type WasmBackend, asWasmBackend, f32At, offsetOf } from './heap.js';
import { gemmWorkspaceFloats, hasSimdGemm, simdGemm } from './simd/simd-gemm.js';
import { transpose2d } from './transpose.js';

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
  return tf.getBackend() === 'wasm' && tf.getKernel(GROUPED_MAT_MUL, 'wasm') !== undefined && hasSimdGemm(asWasmBackend(tf.backend()));
}

function groupedMatMul(args: KernelArgs): tf.TensorInfo {
  const { x, w, bias } = args.inputs as unknown as { x: tf.TensorInfo; w: tf.TensorInfo; bias?: tf.TensorInfo };
  const { counts, transposeW = false } = args.attrs as unknown as GroupedAttrs;
  const backend = asWasmBackend(args.backend);
  const [rows, k] = x.shape as [number, number];
  const m = transposeW ? w.shape[1]! : w.shape[2]!;
  const out = backend.makeOutput([rows, m], 'float32');
  const largest = Math.max(0, ...counts);
  // scratch for the gemm calls (the most any group needs), then (transposeW) each group's xᵀ [k, n], so that the
  // product runs as w_g · x_gᵀ
  const workspaceFloats = Math.max(0, ...counts.map((n) => (transposeW ? gemmWorkspaceFloats(m, n, k) : gemmWorkspaceFloats(n, m, k))));
  const scratch = backend.makeOutput([workspaceFloats + (transposeW ? k * largest : 0)], 'float32');
  try {
    const [xAt, wAt, yAt, workspace] = [offsetOf(backend, x), offsetOf(backend, w), offsetOf(backend, out), offsetOf(backend, scratch)];
    const xT = workspace + 4 * workspaceFloats;
    const biasAt = bias ? offsetOf(backend, bias) : 0;
    let start = 0;
    counts.forEach((n, g) => {
      if (n > 0 && !transposeW) {
        // y_g [n, m] = x_g [n, k] · w_g [k, m] + bias_g
        simdGemm(backend, {
          m: n, n: m, k, a: xAt + 4 * start * k, aRow: k, aCol: 1, b: wAt + 4 * g * k * m, bRow: m,
          c: yAt + 4 * start * m, cRow: m, cCol: 1, bias: biasAt && biasAt + 4 * g * m,
        }, workspace);
      } else if (n > 0) {
        // y_gᵀ [m, n] = w_g [m, k] · x_gᵀ [k, n], stored column-major, which is y_g [n, m] row-major
        transposeInto(backend, xAt + 4 * start * k, xT, n, k);
        simdGemm(backend, {
          m, n, k, a: wAt + 4 * g * m * k, aRow: k, aCol: 1, b: xT, bRow: n, c: yAt + 4 * start * m, cRow: 1, cCol: m,
        }, workspace);
      }
      start += n;
    });
  } catch (e) {
    backend.disposeData(out.dataId);
    throw e;
  } finally {
    backend.disposeData(scratch.dataId);
  }
  return out;
}

/** Writes the transpose of the `rows × cols` matrix at byte `from` to byte `to`. */
function transposeInto(backend: WasmBackend, from: number, to: number, rows: number, cols: number): void {
  // views made now: an earlier gemm call may have grown the heap
  transpose2d(f32At(backend, from, rows * cols), 0, f32At(backend, to, rows * cols), 0, rows, cols);
}

function groupedWeightGrad(args: KernelArgs): tf.TensorInfo {
  const { a, b } = args.inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { counts } = args.attrs as unknown as GroupedAttrs;
  const backend = asWasmBackend(args.backend);
  const p = a.shape[1]!;
  const q = b.shape[1]!;
  const out = backend.makeOutput([counts.length, p, q], 'float32');
  const scratch = backend.makeOutput([Math.max(0, ...counts.map((n) => gemmWorkspaceFloats(p, q, n)))], 'float32');
  try {
    const [aAt, bAt, outAt, workspace] = [offsetOf(backend, a), offsetOf(backend, b), offsetOf(backend, out), offsetOf(backend, scratch)];
    let start = 0;
    counts.forEach((n, g) => {
      // out_g [p, q] = a_gᵀ [p, n] · b_g [n, q]; an empty group (k = 0) writes zeros
      simdGemm(backend, {
        m: p, n: q, k: n, a: aAt + 4 * start * p, aRow: 1, aCol: p, b: bAt + 4 * start * q, bRow: q,
        c: outAt + 4 * g * p * q, cRow: q, cCol: 1,
      }, workspace);
      start += n;
    });
  } catch (e) {
    backend.disposeData(out.dataId);
    throw e;
  } finally {
    backend.disposeData(scratch.dataId);
  }
  return out;
}

/** Kernel configs of the two grouped products on wasm. */
export const groupedKernelConfigs: tf.KernelConfig[] = [
  { kernelName: GROUPED_MAT_MUL, backendName: 'wasm', kernelFunc: groupedMatMul as tf.KernelFunc },
  { kernelName: GROUPED_WEIGHT_GRAD, backendName: 'wasm', kernelFunc: groupedWeightGrad as tf.KernelFunc },
];
