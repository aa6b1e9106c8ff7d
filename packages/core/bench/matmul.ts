/**
 * matMul speed on wasm, stock kernels against the project's patches, in one process (the stock kernels are
 * registered back to measure "before"); cpu for reference. Also times the patched UnsortedSegmentSum and
 * Conv2DBackpropFilter on wasm, and gather / slice-per-expert / split, stock against patched.
 * Run: `pnpm --filter @momentum-smoe/core bench` → bench/results/matmul.json.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '@momentum-smoe/core';
import { medianMs, writeResult } from '../../../bench/harness.js';

const PATCHED_MATMULS = [tf.BatchMatMul, tf._FusedMatMul];
const PATCHED_COPIES = [tf.GatherV2, tf.Slice, tf.SplitV];
const stock = PATCHED_MATMULS.map((name) => ({ ...tf.getKernel(name, 'wasm') }));
const stockCopies = PATCHED_COPIES.map((name) => ({ ...tf.getKernel(name, 'wasm') }));
await initBackend({ backend: 'wasm' });
const patched = PATCHED_MATMULS.map((name) => ({ ...tf.getKernel(name, 'wasm') }));
const patchedCopies = PATCHED_COPIES.map((name) => ({ ...tf.getKernel(name, 'wasm') }));

function useKernels(configs: tf.KernelConfig[]): void {
  for (const config of configs) {
    tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
}

interface Shape {
  name: string;
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
  /** Adds a rank-1 bias through `tf.fused.matMul` (the `_FusedMatMul` kernel). */
  fused?: boolean;
}

const SHAPES: Shape[] = [
  { name: '1024² plain', a: [1024, 1024], b: [1024, 1024], transposeA: false, transposeB: false },
  { name: '[4096,2048]×[256,2048]ᵀ', a: [4096, 2048], b: [256, 2048], transposeA: false, transposeB: true },
  { name: '1024² A transposed', a: [1024, 1024], b: [1024, 1024], transposeA: true, transposeB: false },
  { name: '[16,512,256]×[16,256,1024]', a: [16, 512, 256], b: [16, 256, 1024], transposeA: false, transposeB: false },
  {
    name: 'attention [32,128,64]×[32,128,64]ᵀ',
    a: [32, 128, 64],
    b: [32, 128, 64],
    transposeA: false,
    transposeB: true,
  },
  {
    name: 'fused + bias, 1024² A transposed',
    a: [1024, 1024],
    b: [1024, 1024],
    transposeA: true,
    transposeB: false,
    fused: true,
  },
];

function flops(s: Shape): number {
  const [m, k] = s.transposeA ? s.a.slice(-2).reverse() : s.a.slice(-2);
  const n = s.transposeB ? s.b.at(-2)! : s.b.at(-1)!;
  const batch = Math.max(tf.util.sizeFromShape(s.a.slice(0, -2)), tf.util.sizeFromShape(s.b.slice(0, -2)));
  return 2 * batch * m! * k! * n;
}

/** A timed call of `s` on the active backend, on fresh inputs made once. */
function prepare(s: Shape): { run: () => void; dispose: () => void } {
  const a = tf.randomUniform(s.a, -1, 1, 'float32', 1);
  const b = tf.randomUniform(s.b, -1, 1, 'float32', 2);
  const bias = tf.randomUniform([s.transposeB ? s.b.at(-2)! : s.b.at(-1)!], -1, 1, 'float32', 3);
  const run = () =>
    (s.fused
      ? tf.fused.matMul({ a, b, transposeA: s.transposeA, transposeB: s.transposeB, bias })
      : tf.matMul(a, b, s.transposeA, s.transposeB)
    ).dispose();
  return { run, dispose: () => tf.dispose([a, b, bias]) };
}

const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Stock and patched wasm timings (ms), interleaved round by round so that both see the same machine load. */
async function stockVsPatched(
  { run, dispose }: { run: () => void; dispose: () => void },
  kernels = { stock, patched },
  rounds = 3,
): Promise<{ stockMs: number; patchedMs: number }> {
  const stockMs: number[] = [];
  const patchedMs: number[] = [];
  for (let r = 0; r <= rounds; r++) {
    useKernels(kernels.stock);
    const t1 = await medianMs(run, { warmup: 0, reps: 1 });
    useKernels(kernels.patched);
    const t2 = await medianMs(run, { warmup: 0, reps: 3 });
    if (r > 0) {
      // round 0 warms both up
      stockMs.push(t1);
      patchedMs.push(t2);
    }
  }
  dispose();
  return { stockMs: median(stockMs), patchedMs: median(patchedMs) };
}

const matmul = [];
for (const s of SHAPES) {
  await tf.setBackend('wasm');
  const { stockMs, patchedMs } = await stockVsPatched(prepare(s));
  await tf.setBackend('cpu');
  const cpu = prepare(s);
  const cpuMs = await medianMs(cpu.run, { warmup: 0, reps: 1 });
  cpu.dispose();
  const gflop = flops(s) / 1e9;
  const row = {
    shape: s.name,
    gflop: round(gflop, 3),
    stockWasmGflops: round((gflop / stockMs) * 1e3),
    patchedWasmGflops: round((gflop / patchedMs) * 1e3),
    speedup: round(stockMs / patchedMs),
    cpuGflops: round((gflop / cpuMs) * 1e3, 2),
  };
  console.log(JSON.stringify(row));
  matmul.push(row);
}

// data movement: the MoE dispatch (gather rows by token id, slice each expert's block) and the embedding forward
await tf.setBackend('wasm');
/** `run` on [rows, 256] float32 data made once; `op` picks the kernel under test. */
function copyCase(
  rows: number,
  op: (x: tf.Tensor2D) => tf.Tensor | tf.Tensor[],
): { run: () => void; dispose: () => void } {
  const x = tf.randomUniform([rows, 256], -1, 1, 'float32', 8) as tf.Tensor2D;
  return { run: () => tf.dispose(op(x)), dispose: () => x.dispose() };
}
const gatherIds = tf.randomUniform([8192], 0, 8192, 'int32', 9) as tf.Tensor1D;
const copyKernels = { stock: stockCopies, patched: patchedCopies };
const COPY_CASES = [
  { name: 'gather 8192 of [8192,256] rows', rows: 8192, op: (x: tf.Tensor2D) => tf.gather(x, gatherIds) },
  {
    name: 'slice [4096,256] per expert, 64 pieces',
    rows: 4096,
    op: (x: tf.Tensor2D) => Array.from({ length: 64 }, (_, e) => tf.slice(x, [e * 64, 0], [64, 256])),
  },
  { name: 'split [4096,256] into 64', rows: 4096, op: (x: tf.Tensor2D) => tf.split(x, 64) },
  { name: 'slice [4096,256] columns 64:192', rows: 4096, op: (x: tf.Tensor2D) => tf.slice(x, [0, 64], [4096, 128]) },
];
const dataMovement = [];
for (const c of COPY_CASES) {
  const { stockMs, patchedMs } = await stockVsPatched(copyCase(c.rows, c.op), copyKernels);
  const row = {
    op: c.name,
    stockMs: round(stockMs, 2),
    patchedMs: round(patchedMs, 2),
    speedup: round(stockMs / patchedMs),
  };
  console.log(JSON.stringify(row));
  dataMovement.push(row);
}
gatherIds.dispose();

const [rows, width, segments] = [4096, 256, 10_000];
const x = tf.randomUniform([rows, width], -1, 1, 'float32', 4);
const ids = tf.randomUniform([rows], 0, segments, 'int32', 5) as tf.Tensor1D;
const segmentSumMs = await medianMs(() => tf.unsortedSegmentSum(x, ids, segments).dispose(), { warmup: 2, reps: 9 });
tf.dispose([x, ids]);

// conv filter gradient: x [16, 32, 32, 32], filter [3, 3, 32, 64], stride 1, same
const [xShape, filterShape] = [
  [16, 32, 32, 32],
  [3, 3, 32, 64],
] as const;
const convFlops = 2 * 16 * 32 * 32 * 3 * 3 * 32 * 64;
/** Median ms of the wasm filter gradient. */
async function convMs(reps: { warmup: number; reps: number }): Promise<number> {
  await tf.setBackend('wasm');
  const input = tf.randomUniform([...xShape], -1, 1, 'float32', 6);
  const dy = tf.randomUniform([16, 32, 32, 64], -1, 1, 'float32', 7);
  const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [...filterShape] };
  const run = () =>
    (
      tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: input, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor
    ).dispose();
  const ms = await medianMs(run, reps);
  tf.dispose([input, dy]);
  return ms;
}
// the cpu kernel is not timed: it took 207 s on this shape (0.003 GFLOP/s) when measured
const convWasmMs = await convMs({ warmup: 1, reps: 5 });
const conv2dBackpropFilter = {
  shape: 'x [16,32,32,32], filter [3,3,32,64], stride 1, same',
  gflop: round(convFlops / 1e9, 3),
  wasmMs: round(convWasmMs),
  wasmGflops: round(convFlops / convWasmMs / 1e6),
};

writeResult('matmul', {
  backend: 'wasm (SIMD, 1 thread) vs cpu',
  matmul,
  unsortedSegmentSum: { shape: [rows, width], segments, wasmMs: round(segmentSumMs, 2) },
  conv2dBackpropFilter,
  dataMovement,
});
