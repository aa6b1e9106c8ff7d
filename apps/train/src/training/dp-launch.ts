/**
 * Starting a data-parallel job: `--workers N` worker threads in this process, or, when `mpirun` / `srun` started this
 * process, this process as one MPI rank. Ctrl-C asks every rank to stop after the current step (rank 0 writes a
 * checkpoint); a rank that fails ends every rank and names itself.
 * @module
 */
import { availableParallelism } from 'node:os';
import {
  detectLauncher,
  MpiCommunicator,
  runWorkers,
  WorkerFailedError,
  type LauncherInfo,
} from '@momentum-smoe/distributed';
import { UsageError } from '../args.js';
import { DataParallel, DataParallelError } from './data-parallel.js';
import { runDpJob, type DpJob, type DpJobResult } from './dp-job.js';

/** The `--workers` flag of the commands that train. */
export const WORKERS_FLAG = {
  workers: {
    type: 'string',
    help: 'data-parallel worker threads, N or auto (= cores); under mpirun/srun each process is one rank instead',
  },
} as const;

/** How a command runs: in this process alone, on worker threads, or as one rank of an MPI job. */
export type ParallelPlan =
  { mode: 'single' } | { mode: 'workers'; size: number } | { mode: 'mpi'; launcher: LauncherInfo };

/**
 * The plan for `--workers` (`undefined`, `N` or `auto` = this machine's cores) and the launcher's environment.
 * @throws UsageError for a bad `--workers` or `--workers` under `mpirun`.
 */
export function parallelPlan(
  command: string,
  workers: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): ParallelPlan {
  const launcher = detectLauncher(env);
  const n = workers === undefined ? 1 : workers === 'auto' ? availableParallelism() : Number(workers);
  if (!Number.isInteger(n) || n < 1) {
    throw new UsageError(`msmoe ${command}: --workers must be an integer ≥ 1 or 'auto', got '${workers}'`);
  }
  if (launcher && launcher.size > 1) {
    if (n > 1) {
      const why = 'each MPI rank is already one worker; drop --workers';
      throw new UsageError(`msmoe ${command}: --workers ${n} under ${launcher.kind}: ${why}`);
    }
    return { mode: 'mpi', launcher };
  }
  return n > 1 ? { mode: 'workers', size: n } : { mode: 'single' };
}

/**
 * Refuses `--backend webgpu` for a data-parallel plan: Dawn hands every process the same default adapter, so the
 * ranks cannot each take their own GPU (and worker threads would share one device).
 * @throws UsageError naming the ways that work.
 */
export function checkParallelBackend(command: string, plan: ParallelPlan, backend: string): void {
  if (backend !== 'webgpu' || plan.mode === 'single') return;
  const how =
    plan.mode === 'workers' ? `--workers ${plan.size}` : `${plan.launcher.kind} with ${plan.launcher.size} ranks`;
  throw new UsageError(
    `msmoe ${command}: ${how} cannot run on --backend webgpu (every rank would get the same adapter); ` +
      'train in one process on webgpu, or data-parallel on tfjs-node-gpu (--backend tensorflow) or wasm',
  );
}

/** Under an MPI launcher, makes this rank see only the GPU of its local rank (before a native backend loads). */
export function pinGpu(plan: ParallelPlan, env: NodeJS.ProcessEnv = process.env): void {
  if (plan.mode !== 'mpi') return;
  const visible = env['CUDA_VISIBLE_DEVICES']?.split(',').filter(Boolean);
  const local = plan.launcher.localRank;
  env['CUDA_VISIBLE_DEVICES'] = visible?.length ? visible[local % visible.length]! : String(local);
}

/** The worker entry: the compiled module, or a loader shim when running from the TypeScript sources. */
function workerEntry(): { entry: URL; execArgv: string[] } {
  const fromSource = import.meta.url.endsWith('.ts');
  return fromSource
    ? { entry: new URL('./dp-worker-source.mjs', import.meta.url), execArgv: ['--conditions=@momentum-smoe/source'] }
    : { entry: new URL('./dp-worker.js', import.meta.url), execArgv: [] };
}

/**
 * Runs `job` on every rank of `plan` and returns rank 0's result on rank 0 (`null` on other MPI ranks, which print
 * nothing). `signal` (Ctrl-C) asks every rank to stop after the step in progress.
 * @throws DataParallelError naming the rank when one fails.
 */
export async function runParallelJob(
  plan: ParallelPlan,
  job: DpJob,
  signal?: AbortSignal,
): Promise<DpJobResult | null> {
  if (plan.mode === 'mpi') {
    const comm = await MpiCommunicator.open();
    try {
      const result = await runDpJob(new DataParallel(comm), job, signal);
      return comm.rank === 0 ? result : null;
    } finally {
      await comm.close();
    }
  }
  const size = plan.mode === 'workers' ? plan.size : 1;
  const stop = new SharedArrayBuffer(4);
  const requestStop = () => Atomics.store(new Int32Array(stop), 0, 1);
  if (signal?.aborted) requestStop();
  else signal?.addEventListener('abort', requestStop, { once: true });
  try {
    const results = await runWorkers<DpJobResult>({ size, ...workerEntry(), payload: { job, stop } });
    return results[0]!;
  } catch (e) {
    if (e instanceof WorkerFailedError) {
      throw new DataParallelError(`${e.message.split('\n')[0]}; every rank was stopped`);
    }
    throw e;
  }
}

/** A copy of `ids` in shared memory: worker threads then read one copy instead of each receiving its own. */
export function shareIds(ids: Int32Array): Int32Array {
  const out = new Int32Array(new SharedArrayBuffer(ids.byteLength));
  out.set(ids);
  return out;
}

/** Whether this process prints and writes the command's own files (false on MPI ranks other than 0). */
export function isLeader(plan: ParallelPlan): boolean {
  return plan.mode !== 'mpi' || plan.launcher.rank === 0;
}

/** Number of ranks of `plan`. */
export function planSize(plan: ParallelPlan): number {
  return plan.mode === 'workers' ? plan.size : plan.mode === 'mpi' ? plan.launcher.size : 1;
}

/**
 * Checks that `batch` (global streams or images) splits evenly over the ranks of `plan` and then over `batchSplit`
 * micro-batches.
 * @throws UsageError naming the flags and the fix.
 */
export function checkBatchShares(command: string, plan: ParallelPlan, batch: number, batchSplit = 1): void {
  const ranks = planSize(plan);
  if (batch % ranks !== 0) {
    const fix = `use a multiple of ${ranks}`;
    throw new UsageError(`msmoe ${command}: --batch ${batch} does not split over ${ranks} ranks; ${fix}`);
  }
  if ((batch / ranks) % batchSplit !== 0) {
    throw new UsageError(
      `msmoe ${command}: --batch ${batch} over ${ranks} ranks gives ${batch / ranks} per rank, ` +
        `not divisible by --batch-split ${batchSplit}`,
    );
  }
}
