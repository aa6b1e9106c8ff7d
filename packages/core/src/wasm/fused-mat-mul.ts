/**
 * `_FusedMatMul` for wasm: the stock kernel shares `BatchMatMul`'s slow loop for transposed or batched operands
 * (and there indexes a rank-1 bias wrongly for rows after the first), so those go through the fast path too.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { fastBatchMatMul } from './fast-batch-matmul.js';
import { asWasmBackend, tensorData } from './heap.js';
import { hasSimdGemm } from './simd/simd-gemm.js';
import { simdBatchMatMul } from './simd-batch-matmul.js';

/** tfjs-wasm's `FusableActivation` codes. */
const ACTIVATION: Record<string, number> = { linear: 0, relu: 1, relu6: 2, prelu: 3, leakyrelu: 4, sigmoid: 5, elu: 6 };

interface FusedInputs {
  a: tf.TensorInfo;
  b: tf.TensorInfo;
  bias?: tf.TensorInfo;
  preluActivationWeights?: tf.TensorInfo;
}

/** Builds the kernel; `stock` (tfjs-wasm's own) runs the rare cases it does not take over. */
export function makeFusedMatMulConfig(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as unknown as FusedInputs;
    const attrs = args.attrs as unknown as tf._FusedMatMulAttrs;
    const n = attrs.transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
    // prelu weights may span batches, and a bias other than [n] is broadcast: both stay with tfjs-wasm
    const plainBias = bias == null || (bias.shape.length === 1 && bias.shape[0] === n);
    if (preluActivationWeights != null || !plainBias) return stock.kernelFunc(args);
    if (a.dtype !== 'float32' || b.dtype !== 'float32') {
      throw new Error(`_FusedMatMul on wasm supports float32 only, got ${a.dtype} × ${b.dtype}: cast the inputs first`);
    }
    const backend = asWasmBackend(args.backend);
    // a bias alone runs on our SIMD gemm; activations are fused by XNNPACK's call
    if (attrs.activation === 'linear' && hasSimdGemm(backend))
      return simdBatchMatMul(backend, a, b, attrs.transposeA, attrs.transposeB, bias);
    const activation = ACTIVATION[attrs.activation];
    if (activation === undefined)
      throw new Error(`_FusedMatMul on wasm: activation '${attrs.activation}' is not supported`);
    const biasId = bias == null ? 0 : tensorData(backend, bias.dataId).id;
    const epilogue = { biasId, activation, preluId: 0, leakyreluAlpha: attrs.leakyreluAlpha ?? 0 };
    return fastBatchMatMul(backend, a, b, attrs.transposeA, attrs.transposeB, epilogue);
  };
  // the stock setup binds the wasm export its kernel calls; the engine reruns it whenever wasm is (re)selected
  return { kernelName: tf._FusedMatMul, backendName: 'wasm', kernelFunc, setupFunc: stock.setupFunc };
}
