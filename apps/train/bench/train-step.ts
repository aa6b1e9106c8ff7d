/**
 * Training speed of one worker: tokens/s of a forward + backward + Adam step for the two configurations of the
 * PyTorch comparison (see `stepConfigs`), and, as a paired ratio of interleaved steps in the same process, the
 * speed-up of the fused kernels (relaxed-SIMD GEMM, Adam, NLL, layer norm, attention softmax, dropout) over the same
 * step with them switched off (plain SIMD GEMM, tfjs ops; dropout then draws its hash mask in JavaScript). Then a
 * profile of each configuration (by part and by kernel) into bench/results/train-step-profile.md. When a `python3`
 * imports torch, bench/pytorch_train_step.py runs the same configurations and its best tokens/s and our ratio to it
 * are added.
 * Run: `pnpm --filter @momentum-smoe/train bench` (REPS=n for more repetitions, PROFILE=0 to skip the profile,
 * PYTORCH=0 to skip PyTorch).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeBackend, initBackend } from '@momentum-smoe/core';
import { interleavedTimes, median, pairedRatio, repoRoot, writeResult } from '../../../bench/harness.js';
import * as tf from '@tensorflow/tfjs';
import { forceKernelBuild } from '../../../packages/core/src/wasm/simd/simd-module.js';
import { formatProfile, profileSteps } from '../src/bench/profile.js';
import { makeTrainStep, stepConfigs } from '../src/bench/train-step.js';

const report = await initBackend({ backend: (process.env.BACKEND as 'wasm' | 'cpu' | undefined) ?? 'wasm' });
console.error(describeBackend(report));
const reps = Number(process.env.REPS ?? 7);
const configs = stepConfigs();
const runs = configs.map((c) => ({ ...c, run: makeTrainStep(c.model, c.batch) }));

/** The fused kernels (registered by core on wasm); unregistered, their ops fall back to tfjs ops. */
const FUSED = [
  'MsmoeAdamStep',
  'MsmoeSquaredNorm',
  'MsmoeSoftmaxNll',
  'MsmoeSoftmaxNllGrad',
  'MsmoeLayerNorm',
  'MsmoeLayerNormGrad',
  'MsmoeRelativeSoftmax',
  'MsmoeRelativeSoftmaxGrad',
  'MsmoeSoftmaxWithNll',
  'MsmoeSoftmaxProbsNllGrad',
  'MsmoeSeededDropout',
];
const fusedConfigs = FUSED.map((name) => tf.getKernel(name, 'wasm')).filter(
  (c): c is tf.KernelConfig => c !== undefined,
);
function useFused(on: boolean): void {
  forceKernelBuild(on ? null : 'plain');
  for (const config of fusedConfigs) {
    const present = tf.getKernel(config.kernelName, 'wasm') !== undefined;
    if (on && !present) tf.registerKernel(config);
    if (!on && present) tf.unregisterKernel(config.kernelName, 'wasm');
  }
}

const results: Record<string, unknown> = {
  backend: report.backend,
  reps,
  note: 'medians of interleaved steps; speedup_vs_unfused is the paired ratio unfused/fused step time in one process',
};
const ours: Record<string, number> = {};
for (const r of runs) {
  const step = (fused: boolean) => () => {
    useFused(fused);
    return r.run.step();
  };
  const times = await interleavedTimes({ fused: step(true), unfused: step(false) }, { warmup: 2, reps });
  useFused(true);
  const ms = median(times.fused!);
  ours[r.name] = r.run.tokens / (ms / 1000);
  results[r.name] = {
    batch: r.batch,
    tokens_per_step: r.run.tokens,
    step_ms: Math.round(ms),
    tokens_per_s: Math.round(ours[r.name]!),
    unfused_step_ms: Math.round(median(times.unfused!)),
    speedup_vs_unfused: Number(pairedRatio(times.unfused!, times.fused!).toFixed(2)),
  };
}

const torch = process.env.PYTORCH === '0' ? null : pytorchTokensPerSecond();
if (torch) {
  results.pytorch = torch;
  for (const r of runs) {
    const best = torch[r.name];
    if (best) (results[r.name] as Record<string, unknown>).ratio_to_pytorch = Number((ours[r.name]! / best).toFixed(2));
  }
} else console.error('pytorch: no python3 here imports torch (set PYTHON to one that does); comparison skipped');

if (process.env.PROFILE !== '0') {
  const tables: string[] = [`# Training-step profile (${report.backend}, ${new Date().toISOString()})`, ''];
  for (const r of runs) tables.push(formatProfile(`${r.name} (batch ${r.batch})`, await profileSteps(r.run, 3)));
  writeFileSync(join(repoRoot, 'bench', 'results', 'train-step-profile.md'), tables.join('\n'));
  console.error(tables.join('\n'));
}
for (const r of runs) r.run.dispose();
writeResult('train-step', results);

/**
 * Best tokens/s per configuration from bench/pytorch_train_step.py, run by the first of `$PYTHON`, `python3` and
 * `/usr/bin/python3` (Debian's, where `python3-torch` installs) that imports torch; null when none does.
 */
function pytorchTokensPerSecond(): Record<string, number> | null {
  const candidates = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  const python = candidates.find((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
  if (!python) return null;
  const script = join(repoRoot, 'bench', 'pytorch_train_step.py');
  const out = spawnSync(python, [script, '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (out.status !== 0) return null;
  return JSON.parse(out.stdout) as Record<string, number>;
}
