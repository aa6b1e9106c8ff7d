/**
 * Data-parallel scaling on this machine, for the configuration of the project's scaling target (`--preset smoe-tiny
 * --vocab 8192 --batch 16`): `msmoe bench train-step --workers N --paired` (default N = 2) RUNS times (default 3),
 * each timing REPS repetitions (default 12) of interleaved steps on the same global batch: rank 0 alone, the N ranks
 * with the all-reduce, and the N ranks without it, meeting after each step (the ceiling of any synchronous data
 * parallelism here) or free-running (what the machine's cores give when nobody waits). Ratios are paired within each
 * repetition, so that load drifting over the run cancels; the result is the median over runs.
 * Run: `pnpm --filter @momentum-smoe/train bench:scaling`; JSON in bench/results/train-scaling.json.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median, writeResult } from '../../../bench/harness.js';
import type { BenchResult, PairedResult } from '../src/training/bench-step.js';

const runs = Number(process.env.RUNS ?? 3);
const reps = Number(process.env.REPS ?? 12);
const workers = Number(process.env.WORKERS ?? 2);
const backend = process.env.BACKEND ?? 'wasm';
const config = ['--preset', 'smoe-tiny', '--vocab', '8192', '--batch', '16'];
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

function pairedBench(): BenchResult & { paired: PairedResult } {
  const flags = ['--workers', String(workers), '--paired', '--backend', backend, '--reps', String(reps), '--json'];
  const out = spawnSync(
    process.execPath,
    ['--conditions=@momentum-smoe/source', '--import', 'tsx', cli, 'bench', 'train-step', ...config, ...flags],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (out.status !== 0) throw new Error(`msmoe bench train-step --paired failed (exit ${out.status})`);
  return JSON.parse(out.stdout.trim().split('\n').at(-1)!) as BenchResult & { paired: PairedResult };
}

const results: (BenchResult & { paired: PairedResult })[] = [];
for (let run = 0; run < runs; run++) {
  const r = pairedBench();
  results.push(r);
  console.error(
    `run ${run + 1}/${runs}: one worker ${Math.round(r.paired.one_worker_tokens_per_s)} tokens/s, ${workers} workers ` +
      `${Math.round(r.tokens_per_s)} (${r.paired.speedup.toFixed(2)}×); without the all-reduce, lockstep ` +
      `${Math.round(r.paired.lockstep_tokens_per_s)} (${r.paired.lockstep_speedup.toFixed(2)}×), free-running ` +
      `${Math.round(r.paired.free_running_tokens_per_s)} (${r.paired.free_running_speedup.toFixed(2)}×)`,
  );
}
const round2 = (x: number) => Number(x.toFixed(2));
const perRun = (key: 'speedup' | 'lockstep_speedup' | 'free_running_speedup') =>
  results.map((r) => round2(r.paired[key]));
writeResult('train-scaling', {
  config: config.join(' '),
  backend,
  workers,
  runs,
  reps,
  tokens_per_s_one_worker: Math.round(median(results.map((r) => r.paired.one_worker_tokens_per_s))),
  tokens_per_s: Math.round(median(results.map((r) => r.tokens_per_s))),
  tokens_per_s_lockstep: Math.round(median(results.map((r) => r.paired.lockstep_tokens_per_s))),
  tokens_per_s_free_running: Math.round(median(results.map((r) => r.paired.free_running_tokens_per_s))),
  speedup: median(perRun('speedup')),
  lockstep_speedup: median(perRun('lockstep_speedup')),
  free_running_speedup: median(perRun('free_running_speedup')),
  speedup_per_run: perRun('speedup'),
  lockstep_speedup_per_run: perRun('lockstep_speedup'),
  free_running_speedup_per_run: perRun('free_running_speedup'),
  allreduce_ms: Number(median(results.map((r) => r.allreduce_ms)).toFixed(1)),
  allreduce_share: Number(median(results.map((r) => r.allreduce_share)).toFixed(3)),
  target: 1.7,
});
