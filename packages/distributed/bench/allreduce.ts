/**
 * All-reduce ('mean') time for gradients of 1, 16 and 64 MB (the presets move 17 MB (smoe-tiny) to 860 MB
 * (smoe-medium) per step): 2 worker threads, and 2 MPI ranks when `mpirun` is on the PATH, with the time of one
 * plain copy of the same array for scale. Run: `pnpm --filter @momentum-smoe/distributed bench`.
 * Medians of REPS (default 9) after a warm-up; every rank starts each repetition together (barrier).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWorkers } from '../src/index.js';
import { medianMs, writeResult } from '../../../bench/harness.js';

const sizesMB = [1, 16, 64];
const reps = Number(process.env['REPS'] ?? 9);
const ranks = 2;

const copyMs: Record<string, number> = {};
for (const mb of sizesMB) {
  const [a, b] = [new Float32Array((mb * 2 ** 20) / 4).fill(1), new Float32Array((mb * 2 ** 20) / 4)];
  copyMs[`${mb}MB`] = await medianMs(() => b.set(a), { warmup: 2, reps });
}

const [workers] = await runWorkers<Record<string, number>>({
  size: ranks,
  entry: new URL('./allreduce-worker.mjs', import.meta.url),
  payload: { sizesMB, reps },
});

const mpirun = (process.env['PATH'] ?? '')
  .split(delimiter)
  .map((d) => join(d, 'mpirun'))
  .find((f) => existsSync(f));
let mpi: unknown = 'skipped: no mpirun on PATH';
if (mpirun) {
  const out = join(mkdtempSync(join(tmpdir(), 'msmoe-bench-')), 'mpi.json');
  const script = fileURLToPath(new URL('./allreduce-mpi.ts', import.meta.url));
  const env = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' };
  const node = [process.execPath, '--conditions=@momentum-smoe/source', '--import', 'tsx', script];
  execFileSync(mpirun, ['--oversubscribe', '-np', String(ranks), ...node, out, String(reps), ...sizesMB.map(String)], {
    env,
    stdio: 'inherit',
  });
  mpi = JSON.parse(readFileSync(out, 'utf8'));
}

writeResult('distributed-allreduce', { ranks, reps, op: 'mean', unit: 'ms (median)', copyMs, workers, mpi });
