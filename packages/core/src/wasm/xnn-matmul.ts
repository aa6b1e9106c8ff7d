/**
 * One call of tfjs-wasm's fast matMul path (XNNPACK fully-connected: batch 1, no transposes) on heap operands.
 *
 * That path caches its packed weights (the right operand) under the right operand's tensor id, keyed by nothing
 * else about the shape. A reshape shares its input's id, so the same id seen with a second shape would reuse
 * weights packed for the first: every call here therefore gets a fresh view id, except a whole tensor whose id was
 * only ever used with this one shape (then the cache is kept, which is what makes repeated small matMuls fast).
 * @module
 */
import { type WasmBackend, type WasmModule, type HeapView, makeView, releaseView, tensorData } from './heap.js';

/** What the XNNPACK call fuses after the product, in tfjs-wasm's terms (activation: its `FusableActivation` code). */
export interface Epilogue {
  /** Tensor id of a rank-1 bias of length `n`, or 0. */
  biasId: number;
  /** 0 linear, 1 relu, 2 relu6, 3 prelu, 4 leakyrelu, 5 sigmoid, 6 elu. */
  activation: number;
  /** Tensor id of the prelu weights, or 0. */
  preluId: number;
  leakyreluAlpha: number;
}

/** A plain product: no bias, linear. */
export const PLAIN: Epilogue = { biasId: 0, activation: 0, preluId: 0, leakyreluAlpha: 0 };

/** The right operand: float32 `k × n` row-major at byte `offset`; `dataId` when it is that whole tensor. */
export interface RightOperand {
  offset: number;
  dataId?: object;
}

type FusedMatMulFn = (...args: unknown[]) => void;
const fusedMatMulByModule = new WeakMap<WasmModule, FusedMatMulFn>();
/** The `k,n` each tensor's own id was first packed with (keyed by dataId, which reshapes share). */
const packedShapeByDataId = new WeakMap<object, string>();

function fusedMatMulFn(wasm: WasmModule): FusedMatMulFn {
  let fn = fusedMatMulByModule.get(wasm);
  if (!fn) {
    fn = wasm.cwrap('_FusedMatMul', null, [
      'number',
      'array',
      'number', // a id, shape, rank
      'number',
      'array',
      'number', // b id, shape, rank
      'number',
      'number', // transposeA, transposeB
      'number',
      'number',
      'number',
      'number', // activation, bias id, prelu id, leakyrelu alpha
      'number', // out id
    ]);
    fusedMatMulByModule.set(wasm, fn);
  }
  return fn;
}

function shapeBytes(shape: number[]): Uint8Array {
  return new Uint8Array(new Int32Array(shape).buffer);
}

/** True when `dataId`'s own tensor id is safe to hand to the weight cache as a `k × n` matrix. */
function ownIdIsSafe(dataId: object, k: number, n: number): boolean {
  const key = `${k},${n}`;
  const seen = packedShapeByDataId.get(dataId);
  if (seen === undefined) packedShapeByDataId.set(dataId, key);
  return seen === undefined || seen === key;
}

/**
 * `out[rows, n] = a[rows, k] · b[k, n]` (+ epilogue) through XNNPACK; `a` and `out` are byte offsets of
 * row-major float32 blocks, which must not overlap. Requires rows, k, n > 0.
 */
export function xnnMatMul(
  backend: WasmBackend,
  a: number,
  b: RightOperand,
  out: number,
  rows: number,
  k: number,
  n: number,
  epilogue: Epilogue = PLAIN,
): void {
  const views: HeapView[] = [];
  const viewId = (offset: number, shape: number[]): number => {
    const view = makeView(backend, offset, shape);
    views.push(view);
    return view.id;
  };
  try {
    const aId = viewId(a, [1, rows, k]);
    const bId =
      b.dataId && ownIdIsSafe(b.dataId, k, n) ? tensorData(backend, b.dataId).id : viewId(b.offset, [1, k, n]);
    const outId = viewId(out, [1, rows, n]);
    const e = epilogue;
    fusedMatMulFn(backend.wasm)(
      aId,
      shapeBytes([1, rows, k]),
      3,
      bId,
      shapeBytes([1, k, n]),
      3,
      0,
      0,
      e.activation,
      e.biasId,
      e.preluId,
      e.leakyreluAlpha,
      outId,
    );
  } finally {
    for (const view of views) releaseView(backend, view);
  }
}
