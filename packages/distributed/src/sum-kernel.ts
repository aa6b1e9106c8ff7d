/**
 * The summation of the all-reduce, in WebAssembly SIMD directly on a shared memory (sum-kernel.wat): the worker
 * threads' group memory, and the MPI ranks' staging memory. A JavaScript loop over `Float32Array` views takes about 5 ns per element here (scalar loads and a
 * float64 round trip); the kernel adds four lanes at a time and is memory-bound (about 0.4 ns per element, 2 M
 * elements in under 1 ms on the 2-core development VM), which was 15–20 ms of every smoe-tiny step on two workers.
 * Every element is rounded to float32 after each operation, as {@link sumReference} does, so results are the same bits.
 * @module
 */
import { SUM_KERNEL_WASM_BASE64 } from './sum-kernel-binary.js';

/** WebAssembly's page: shared memory grows in these. */
export const wasmPageBytes = 65_536;
/** The most pages a 32-bit WebAssembly memory can address (4 GiB). */
export const maxWasmPages = 65_536;

/** A shared WebAssembly memory: its `buffer` is a `SharedArrayBuffer` that every thread holding it sees. */
export interface SharedWasmMemory {
  /** The current bytes; read it again after any growth (a grown memory has a new, longer buffer object). */
  readonly buffer: SharedArrayBuffer;
  /** Adds `pages` pages of 64 KiB; returns the previous size in pages. */
  grow(pages: number): number;
}

/** The parts of the `WebAssembly` global used here (typed locally: the project's `lib` has no DOM types). */
interface WebAssemblyApi {
  Memory: new (descriptor: { initial: number; maximum: number; shared: true }) => SharedWasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

let compiled: object | undefined;

/** The kernels, bound to one shared memory; offsets are byte offsets into it, lengths are float32 elements. */
export class SumKernel {
  private readonly exports: {
    addF32(dst: number, a: number, b: number, n: number): void;
    addDivF32(dst: number, a: number, b: number, n: number, d: number): void;
    divF32(dst: number, n: number, d: number): void;
  };

  constructor(memory: SharedWasmMemory) {
    compiled ??= new webAssembly.Module(Buffer.from(SUM_KERNEL_WASM_BASE64, 'base64'));
    const instance = new webAssembly.Instance(compiled, { env: { memory } });
    this.exports = instance.exports as unknown as SumKernel['exports'];
  }

  /** `dst[i] = a[i] + b[i]` for `i < n` (`dst` may be `a`). */
  add(dst: number, a: number, b: number, n: number): void {
    this.exports.addF32(dst, a, b, n);
  }

  /** `dst[i] = (a[i] + b[i]) / d` for `i < n`, each operation rounded to float32: the last step of a mean. */
  addDivide(dst: number, a: number, b: number, n: number, d: number): void {
    this.exports.addDivF32(dst, a, b, n, d);
  }

  /** `dst[i] = dst[i] / d` for `i < n`, rounded to float32. */
  divide(dst: number, n: number, d: number): void {
    this.exports.divF32(dst, n, d);
  }
}

/**
 * The plain reference of a kernel call: `dst[i] = a[i] + b[i]`, divided by `d` when given, rounded to float32 at each
 * step (a `Float32Array` store rounds the division's float64 result, which equals float32 division).
 */
export function sumReference(dst: Float32Array, a: Float32Array, b: Float32Array, d?: number): void {
  for (let i = 0; i < dst.length; i++) {
    const s = Math.fround(a[i]! + b[i]!);
    dst[i] = d === undefined ? s : s / d;
  }
}

/** A shared WebAssembly memory of at least `bytes` bytes that can grow to `maxBytes`. */
export function sharedMemory(bytes: number, maxBytes: number): SharedWasmMemory {
  const pages = (n: number) => Math.ceil(n / wasmPageBytes);
  const maximum = Math.min(maxWasmPages, pages(maxBytes));
  return new webAssembly.Memory({ initial: pages(bytes), maximum, shared: true });
}

/** Grows `memory` to at least `bytes` bytes (never shrinks). */
export function growMemory(memory: SharedWasmMemory, bytes: number): void {
  const missing = Math.ceil((bytes - memory.buffer.byteLength) / wasmPageBytes);
  if (missing > 0) memory.grow(missing);
}
