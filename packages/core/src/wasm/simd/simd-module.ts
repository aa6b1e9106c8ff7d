/**
 * Our SIMD kernels (kernels.wat, embedded as kernels-binary.ts) instantiated on the tfjs-wasm backend's own memory,
 * so that they read and write tensors where they lie. Two builds: relaxed SIMD (the GEMM with fused multiply-adds,
 * `f32x4.relaxed_madd`, twice the multiply-add rate where the CPU has FMA) where the engine accepts it, else plain
 * SIMD. Node ≥ 22 and Chrome ≥ 114 accept relaxed SIMD; Node 20 only behind `--experimental-wasm-relaxed-simd`,
 * which is switched on here through `v8.setFlagsFromString` (it applies to modules compiled after it).
 * @module
 */
import type { WasmBackend, WasmModule } from '../heap.js';
import { KERNELS_RELAXED_WASM_BASE64, KERNELS_WASM_BASE64 } from './kernels-binary.js';

type KernelFn = (...args: number[]) => void;

/** The exports of kernels.wat (byte offsets and sizes as arguments; see the .wat for each contract). */
export interface SimdKernels {
  packA: KernelFn;
  packB: KernelFn;
  packBT: KernelFn;
  tile4x8: KernelFn;
  expF32: KernelFn;
  adamF32: KernelFn;
  sumSquaresF32: (src: number, count: number) => number;
  rowMaxSumExp: KernelFn;
  expShiftScale: KernelFn;
  layerNormF32: KernelFn;
  layerNormGradF32: KernelFn;
  relSoftmaxF32: KernelFn;
  relSoftmaxGradF32: KernelFn;
  dropoutF32: KernelFn;
  swapMiddle32: KernelFn;
  segmentSumF32: KernelFn;
  rowSoftmaxF32: KernelFn;
  scaleRowsColSums: KernelFn;
}

/** The parts of the `WebAssembly` global used here (typed locally: the project's `lib` has no DOM types). */
interface WebAssemblyApi {
  Memory: abstract new (...args: never[]) => { buffer: ArrayBufferLike };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}
const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/** Which build of kernels.wat runs: with relaxed-SIMD fused multiply-adds, or plain SIMD. */
export type KernelBuild = 'relaxed' | 'plain';

const kernelsByModule = new WeakMap<WasmModule, Map<KernelBuild, SimdKernels | null>>();
let forcedBuild: KernelBuild | null = null;
let relaxedAccepted: boolean | null = null;

/** True for a SharedArrayBuffer; browsers define that global only on cross-origin isolated pages. */
function isShared(buffer: ArrayBufferLike): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer;
}

function decodeBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
}

/**
 * Switches on Node 20's `--experimental-wasm-relaxed-simd` where the engine lacks relaxed SIMD. Measured on Node 20:
 * set before the process compiles its first WebAssembly module, the fused build runs 1.2–1.5× faster than plain
 * SIMD; set later, modules validate but the fused build runs slower than plain SIMD (up to 2×). So this runs when
 * this module is imported, before any backend initialises; {@link engineHasRelaxedSimd} then reads the result.
 */
function enableRelaxedSimdFlag(): void {
  if (webAssembly.validate(decodeBase64(KERNELS_RELAXED_WASM_BASE64))) return;
  const node = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const v8 = node?.getBuiltinModule?.('node:v8') as { setFlagsFromString(flags: string): void } | undefined;
  v8?.setFlagsFromString('--experimental-wasm-relaxed-simd');
}
enableRelaxedSimdFlag();

/** Whether this engine runs relaxed SIMD (checked once). */
function engineHasRelaxedSimd(): boolean {
  relaxedAccepted ??= webAssembly.validate(decodeBase64(KERNELS_RELAXED_WASM_BASE64));
  return relaxedAccepted;
}

/**
 * The build {@link simdKernels} instantiates: `relaxed` where the engine accepts it, else `plain`; or the one forced
 * by {@link forceKernelBuild}.
 */
export function kernelBuild(): KernelBuild {
  return forcedBuild ?? (engineHasRelaxedSimd() ? 'relaxed' : 'plain');
}

/** Forces one build of the kernels (tests run both against the same reference), or `null` for the best one. */
export function forceKernelBuild(build: KernelBuild | null): void {
  forcedBuild = build;
}

/**
 * The kernels on this backend's memory, or null where they cannot run: no wasm SIMD, or a memory that is shared
 * (tfjs-wasm's threaded build) or not exported. Instantiated once per backend module.
 */
export function simdKernels(backend: WasmBackend): SimdKernels | null {
  const wasm = backend.wasm;
  const build = kernelBuild();
  const builds = kernelsByModule.get(wasm) ?? new Map<KernelBuild, SimdKernels | null>();
  kernelsByModule.set(wasm, builds);
  if (builds.has(build)) return builds.get(build)!;
  let kernels: SimdKernels | null = null;
  const memory = (wasm as unknown as { asm?: { memory?: unknown } }).asm?.memory;
  const bytes = decodeBase64(build === 'relaxed' ? KERNELS_RELAXED_WASM_BASE64 : KERNELS_WASM_BASE64);
  if (memory instanceof webAssembly.Memory && !isShared(memory.buffer) && webAssembly.validate(bytes)) {
    kernels = new webAssembly.Instance(new webAssembly.Module(bytes), { env: { memory } })
      .exports as unknown as SimdKernels;
  }
  builds.set(build, kernels);
  return kernels;
}
