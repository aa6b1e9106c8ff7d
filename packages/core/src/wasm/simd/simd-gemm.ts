/**
 * float32 matrix products on the wasm heap through our own SIMD kernels (kernels.wat), on tensors in place: the left
 * operand takes any strides and the right one either layout, so a transposed operand needs no transposed copy; blocks
 * of both are packed into L2-sized panels by a SIMD copy as they are used.
 *
 * Why not XNNPACK (tfjs-wasm's fast path): it packs its right operand on every call at ~10 ns per element, which
 * is as much as the product itself when the left operand has ~100 rows, the size of one expert's token group.
 * @module
 */
import type * as tf from '@tensorflow/tfjs';
import { type WasmBackend, f32At, offsetOf } from '../heap.js';
import { type SimdKernels, simdKernels } from './simd-module.js';

/**
 * `C = A·B (+ bias)` or `C += A·B`, all float32 on the heap. Offsets are in bytes, strides in elements.
 * `A(i, p)` is at `a + 4·(i·aRow + p·aCol)`; `B(p, j)` at `b + 4·(p·bRow + j·bCol)` with `bCol = 1` (rows of B
 * contiguous) or `bRow = 1` (columns contiguous: a weight used transposed); `C(i, j)` at `c + 4·(i·cRow + j)`.
 */
export interface GemmArgs {
  /** Rows of A and C. */
  m: number;
  /** Columns of B and C. */
  n: number;
  /** Columns of A, rows of B; 0 gives C = bias (or 0). */
  k: number;
  a: number;
  aRow: number;
  aCol: number;
  b: number;
  bRow: number;
  /** Default 1. */
  bCol?: number;
  c: number;
  cRow: number;
  /** Byte offset of `n` floats added to every row of C, or 0 for none. */
  bias?: number;
  /** Add the product to C instead of overwriting it (no bias then). */
  accumulate?: boolean;
}

/** Block sizes (GotoBLAS): a packed KC×NC block of B (256 KB) stays in L2, a packed MC×KC block of A (64 KB) too. */
const KC = 256;
const NC = 256;
const MC = 64;

/** True when {@link simdGemm} can run on this backend. */
export function hasSimdGemm(backend: WasmBackend): boolean {
  return simdKernels(backend) !== null;
}

/** Where one product's operands are (bytes; strides in elements), as in {@link GemmArgs}. */
interface Operands {
  a: number;
  aRow: number;
  aCol: number;
  b: number;
  bRow: number;
  bCol: number;
  c: number;
  cRow: number;
  bias: number;
}

/** Floats of packed A and B blocks a product of this size needs. */
function packFloats(m: number, n: number, k: number): [number, number] {
  const depth = Math.min(KC, k);
  return [Math.min(MC, 4 * Math.ceil(m / 4)) * depth, depth * Math.min(NC, 8 * Math.ceil(n / 8))];
}

/**
 * Scratch floats {@link simdGemm} needs for a product of this size: pass that much as its `workspace` to run many
 * products on one allocation (otherwise each call allocates its own).
 */
export function gemmWorkspaceFloats(m: number, n: number, k: number): number {
  const [aPack, bPack] = packFloats(m, n, k);
  const m4 = Math.floor(m / 4);
  const n8 = Math.floor(n / 8);
  // the last rows of A [4, k] and of C [4, 8·n8]; the last columns of B [k, 8], of the bias [8] and of
  // C [4·(m4+1), 8]
  const tails = (m % 4 ? 4 * k + 32 * n8 : 0) + (n % 8 ? 8 * k + 8 + 32 * (m4 + 1) : 0);
  return aPack + bPack + tails;
}

/**
 * Fills `out` (a fresh kernel output) by `products`, given the byte offset of `floats` scratch floats for their
 * {@link simdGemm} calls; frees the scratch, and `out` too if a product throws.
 */
export function withGemmWorkspace(
  backend: WasmBackend,
  out: tf.TensorInfo,
  floats: number,
  products: (workspace: number) => void,
): tf.TensorInfo {
  const workspace = backend.makeOutput([floats], 'float32');
  try {
    products(offsetOf(backend, workspace));
  } catch (e) {
    backend.disposeData(out.dataId);
    throw e;
  } finally {
    backend.disposeData(workspace.dataId);
  }
  return out;
}

/** The last, partial strip of A rows: copied zero-padded to 4 rows ([4, k] row-major at `a`), run into scratch `c`. */
interface TailStrip {
  a: number;
  c: number;
  cRow: number;
}

/**
 * The 4×8 tiles of rows [0, 4·m4) and columns [0, 8·n8): for each KC-deep pass and NC-wide column block, B's block
 * is packed once (at byte `bPack`), then each MC-row block of A is packed (at `aPack`) and run against it, and then
 * the padded `tail` strip if any (so that B is never packed twice).
 */
function blocks(
  kernels: SimdKernels,
  o: Operands,
  m4: number,
  n8: number,
  k: number,
  accumulate: boolean,
  aPack: number,
  bPack: number,
  tail?: TailStrip,
): void {
  if ((m4 === 0 && !tail) || n8 === 0) return;
  for (let p0 = 0; p0 === 0 || p0 < k; p0 += KC) {
    const kc = Math.min(KC, k - p0);
    for (let jb = 0; jb < n8; jb += NC / 8) {
      const nb = Math.min(NC / 8, n8 - jb);
      const block = o.b + 4 * (p0 * o.bRow + 8 * jb * o.bCol);
      if (o.bCol === 1) kernels.packB(block, 4 * o.bRow, kc, nb, bPack);
      else kernels.packBT(block, 4 * o.bCol, kc, nb, bPack);
      const bias = p0 === 0 && o.bias ? o.bias + 32 * jb : 0;
      for (let ib = 0; ib < m4; ib += MC / 4) {
        const mb = Math.min(MC / 4, m4 - ib);
        kernels.packA(o.a + 4 * (4 * ib * o.aRow + p0 * o.aCol), 4 * o.aRow, 4 * o.aCol, mb, kc, aPack);
        const c = o.c + 4 * (4 * ib * o.cRow + 8 * jb);
        kernels.tile4x8(aPack, bPack, c, 4 * o.cRow, mb, nb, kc, p0 > 0 || accumulate ? 1 : 0, bias);
      }
      if (tail) {
        kernels.packA(tail.a + 4 * p0, 4 * k, 4, 1, kc, aPack);
        kernels.tile4x8(aPack, bPack, tail.c + 32 * jb, 4 * tail.cRow, 1, nb, kc, p0 > 0 ? 1 : 0, bias);
      }
    }
  }
}

/**
 * Runs one product (see {@link GemmArgs}); throws when the backend has no SIMD kernel ({@link hasSimdGemm}).
 * Rows past the last multiple of 4 and columns past the last multiple of 8 go through zero-padded scratch tiles.
 * `workspace`: byte offset of {@link gemmWorkspaceFloats} scratch floats on the heap, or omitted to allocate them here.
 */
export function simdGemm(backend: WasmBackend, g: GemmArgs, workspace?: number): void {
  const kernels = simdKernels(backend);
  if (!kernels) throw new Error('simdGemm: this wasm backend has no SIMD gemm kernel (check hasSimdGemm first)');
  if ((g.bCol ?? 1) !== 1 && g.bRow !== 1)
    throw new Error('simdGemm: B must have contiguous rows (bCol = 1) or columns (bRow = 1)');
  if (g.accumulate && g.bias) throw new Error('simdGemm: bias and accumulate cannot be combined');
  let owned: tf.TensorInfo | null = null;
  if (workspace === undefined) {
    owned = backend.makeOutput([gemmWorkspaceFloats(g.m, g.n, g.k)], 'float32');
    workspace = offsetOf(backend, owned);
  }
  try {
    runGemm(backend, kernels, g, workspace);
  } finally {
    if (owned) backend.disposeData(owned.dataId);
  }
}

function runGemm(backend: WasmBackend, kernels: SimdKernels, g: GemmArgs, workspace: number): void {
  const { m, n, k } = g;
  const m4 = Math.floor(m / 4);
  const n8 = Math.floor(n / 8);
  const mTail = m - 4 * m4;
  const nTail = n - 8 * n8;
  // workspace, in order: packed A and B blocks; aPad [4, k] and rowOut [4, 8·n8] for the last rows;
  // bPad [k, 8], biasPad [8] and colOut [4·(m4 + 1), 8] for the last columns
  const [aPackFloats, bPackFloats] = packFloats(m, n, k);
  const sizes = [
    aPackFloats,
    bPackFloats,
    mTail ? 4 * k : 0,
    mTail ? 32 * n8 : 0,
    nTail ? 8 * k : 0,
    nTail ? 8 : 0,
    nTail ? 32 * (m4 + 1) : 0,
  ];
  const [aPack, bPack, aPad, rowOut, bPad, biasPad, colOut] = sizes.map(
    (_, i) => workspace + 4 * sizes.slice(0, i).reduce((s, v) => s + v, 0),
  ) as [number, number, number, number, number, number, number];
  const main: Operands = { ...g, bCol: g.bCol ?? 1, bias: g.bias ?? 0 };
  const heap = () => f32At(backend, 0, backend.wasm.HEAPU8.byteLength / 4);
  const at = (byteOffset: number) => byteOffset / 4; // not >> 2: the heap may pass 2 GB
  if (mTail > 0) {
    const h = heap();
    for (let r = 0; r < 4; r++) {
      for (let p = 0; p < k; p++)
        h[at(aPad) + r * k + p] = r < mTail ? h[at(g.a) + (4 * m4 + r) * g.aRow + p * g.aCol]! : 0;
    }
  }
  blocks(
    kernels,
    main,
    m4,
    n8,
    k,
    g.accumulate ?? false,
    aPack,
    bPack,
    mTail ? { a: aPad, c: rowOut, cRow: 8 * n8 } : undefined,
  );
  if (mTail === 0 && nTail === 0) return;

  const h = heap();
  const store = (i: number, j: number, v: number) => {
    const to = at(g.c) + i * g.cRow + j;
    h[to] = g.accumulate ? h[to]! + v : v;
  };
  for (let r = 0; r < mTail; r++)
    for (let j = 0; j < 8 * n8; j++) store(4 * m4 + r, j, h[at(rowOut) + r * 8 * n8 + j]!);
  if (nTail > 0) {
    for (let p = 0; p < k; p++) {
      for (let j = 0; j < 8; j++)
        h[at(bPad) + p * 8 + j] = j < nTail ? h[at(g.b) + p * g.bRow + (8 * n8 + j) * main.bCol]! : 0;
    }
    for (let j = 0; j < 8; j++) h[at(biasPad) + j] = g.bias && j < nTail ? h[at(g.bias) + 8 * n8 + j]! : 0;
    const columns: Operands = { ...main, b: bPad, bRow: 8, bCol: 1, c: colOut, cRow: 8, bias: g.bias ? biasPad : 0 };
    blocks(
      kernels,
      columns,
      m4,
      1,
      k,
      false,
      aPack,
      bPack,
      mTail ? { a: aPad, c: colOut + 4 * 32 * m4, cRow: 8 } : undefined,
    );
    for (let i = 0; i < m; i++) for (let j = 0; j < nTail; j++) store(i, 8 * n8 + j, h[at(colOut) + i * 8 + j]!);
  }
}
