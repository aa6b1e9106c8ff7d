/**
 * Our SIMD kernels (kernels.wat, embedded as kernels-binary.ts) instantiated on the tfjs-wasm backend's own memory,
 * so that they read and write tensors where they lie.
 * @module
 */
import type { WasmBackend, WasmModule } from '../heap.js';
import { KERNELS_WASM_BASE64 } from './kernels-binary.js';

type KernelFn = (...args: number[]) => void;

/** The exports of kernels.wat (byte offsets and sizes as arguments; see the .wat for each contract). */
export interface SimdKernels {
  packA: KernelFn;
  packB: KernelFn;
  packBT: KernelFn;
  tile4x8: KernelFn;
  expF32: KernelFn;
}

/** The parts of the `WebAssembly` global used here (typed locally: the project's `lib` has no DOM types). */
interface WebAssemblyApi {
  Memory: abstract new (...args: never[]) => { buffer: ArrayBufferLike };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}
const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

const kernelsByModule = new WeakMap<WasmModule, SimdKernels | null>();

/** True for a SharedArrayBuffer; browsers define that global only on cross-origin isolated pages. */
function isShared(buffer: ArrayBufferLike): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer;
}

function decodeBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
}

/**
 * The kernels on this backend's memory, or null where they cannot run: no wasm SIMD, or a memory that is shared
 * (tfjs-wasm's threaded build) or not exported. Instantiated once per backend module.
 */
export function simdKernels(backend: WasmBackend): SimdKernels | null {
  const wasm = backend.wasm;
  if (kernelsByModule.has(wasm)) return kernelsByModule.get(wasm)!;
  let kernels: SimdKernels | null = null;
  const memory = (wasm as unknown as { asm?: { memory?: unknown } }).asm?.memory;
  const bytes = decodeBase64(KERNELS_WASM_BASE64);
  if (memory instanceof webAssembly.Memory && !isShared(memory.buffer) && webAssembly.validate(bytes)) {
    kernels = new webAssembly.Instance(new webAssembly.Module(bytes), { env: { memory } }).exports as unknown as SimdKernels;
  }
  kernelsByModule.set(wasm, kernels);
  return kernels;
}
