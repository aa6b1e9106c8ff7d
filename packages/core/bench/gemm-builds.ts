/**
 * The GEMM's two builds on the shapes of a language-model step: relaxed SIMD (fused multiply-add) against plain SIMD,
 * interleaved in one process, as paired ratios (plain time / relaxed time: above 1 means FMA is faster) and
 * GFLOP/s. Run: `pnpm --filter @momentum-smoe/core bench` → bench/results/gemm-builds.json.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@momentum-smoe/core';
import { interleavedTimes, median, pairedRatio, writeResult } from '../../../bench/harness.js';
import { forceKernelBuild } from '../src/wasm/simd/simd-module.js';

await initBackend({ backend: 'wasm' });

/** name → [a shape, b shape, transpose a, transpose b] */
const SHAPES: Record<string, [number[], number[], boolean, boolean]> = {
  'logits [512,128]×[128,10000]': [[512, 128], [128, 10_000], false, false],
  'dW [512,352]ᵀ×[512,10000]': [[512, 352], [512, 10_000], true, false],
  'dh [512,10000]×[352,10000]ᵀ': [[512, 10_000], [352, 10_000], false, true],
  'projection [1536,352]×[352,352]': [[1536, 352], [352, 352], false, false],
  'attention [32,128,44]×[32,384,44]ᵀ': [[32, 128, 44], [32, 384, 44], false, true],
};

const results: Record<string, unknown> = {};
for (const [name, [sa, sb, ta, tb]] of Object.entries(SHAPES)) {
  const [a, b] = [tf.randomNormal(sa), tf.randomNormal(sb)];
  const run = (build: 'relaxed' | 'plain') => () => {
    forceKernelBuild(build);
    tf.matMul(a, b, ta, tb).dispose();
  };
  const times = await interleavedTimes({ relaxed: run('relaxed'), plain: run('plain') }, { warmup: 2, reps: 9 });
  forceKernelBuild(null);
  const out = tf.matMul(a, b, ta, tb);
  const k = ta ? sa.at(-2)! : sa.at(-1)!;
  const flop = 2 * out.size * k;
  out.dispose();
  tf.dispose([a, b]);
  results[name] = {
    plain_over_relaxed: Number(pairedRatio(times.plain!, times.relaxed!).toFixed(2)),
    relaxed_gflops: Number((flop / median(times.relaxed!) / 1e6).toFixed(1)),
    plain_gflops: Number((flop / median(times.plain!) / 1e6).toFixed(1)),
  };
}
writeResult('gemm-builds', {
  note: 'paired ratios of interleaved runs; GFLOP/s from medians (noisy under load)',
  ...results,
});
