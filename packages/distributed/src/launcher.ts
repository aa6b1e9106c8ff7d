/**
 * Which launcher started this process, read from the environment it sets for each rank.
 * @module
 */

/** The launcher families {@link detectLauncher} recognises. */
export type LauncherKind = 'openmpi' | 'mpich' | 'slurm';

/** Where this process sits in a job started by `mpirun`, `mpiexec` or `srun`. */
export interface LauncherInfo {
  /** `openmpi`: Open MPI's `mpirun`; `mpich`: MPICH's Hydra `mpiexec` (also Intel MPI, MVAPICH); `slurm`: `srun`. */
  readonly kind: LauncherKind;
  readonly rank: number;
  readonly size: number;
  /** Index among the ranks on this node: the GPU this rank should take. */
  readonly localRank: number;
  /** Ranks on this node. */
  readonly localSize: number;
}

/**
 * The launcher that started this process and this rank's place in the job, from the launcher's environment
 * variables; `undefined` when no launcher started it (a plain `node` run). Checked in this order, because a launcher
 * running inside a Slurm allocation inherits Slurm's variables that describe its own helper processes, not the ranks:
 *
 * - Open MPI `mpirun`: `OMPI_COMM_WORLD_{RANK,SIZE,LOCAL_RANK,LOCAL_SIZE}`
 * - MPICH Hydra `mpiexec`: `PMI_RANK`, `PMI_SIZE`, `MPI_LOCALRANKID`, `MPI_LOCALNRANKS`
 * - Slurm `srun`: `SLURM_PROCID`, `SLURM_STEP_NUM_TASKS`, `SLURM_LOCALID`, `SLURM_STEP_TASKS_PER_NODE` with
 *   `SLURM_NODEID` (only `srun` sets the `SLURM_STEP_*` variables; a batch script alone is not a launch)
 *
 * @example
 * ```ts
 * const launcher = detectLauncher();
 * if (launcher) process.env['CUDA_VISIBLE_DEVICES'] = String(launcher.localRank);
 * ```
 */
export function detectLauncher(env: NodeJS.ProcessEnv = process.env): LauncherInfo | undefined {
  const int = (name: string) => parseCount(env[name], name);
  if (env['OMPI_COMM_WORLD_SIZE'] !== undefined) {
    return checked({
      kind: 'openmpi',
      rank: int('OMPI_COMM_WORLD_RANK'),
      size: int('OMPI_COMM_WORLD_SIZE'),
      localRank: int('OMPI_COMM_WORLD_LOCAL_RANK'),
      localSize: int('OMPI_COMM_WORLD_LOCAL_SIZE'),
    });
  }
  if (env['PMI_SIZE'] !== undefined && env['MPI_LOCALRANKID'] !== undefined) {
    return checked({
      kind: 'mpich',
      rank: int('PMI_RANK'),
      size: int('PMI_SIZE'),
      localRank: int('MPI_LOCALRANKID'),
      localSize: int('MPI_LOCALNRANKS'),
    });
  }
  if (env['SLURM_STEP_NUM_TASKS'] !== undefined && env['SLURM_PROCID'] !== undefined) {
    const perNode = tasksPerNode(env['SLURM_STEP_TASKS_PER_NODE'] ?? env['SLURM_TASKS_PER_NODE'] ?? '');
    const node = env['SLURM_NODEID'] === undefined ? 0 : int('SLURM_NODEID');
    return checked({
      kind: 'slurm',
      rank: int('SLURM_PROCID'),
      size: int('SLURM_STEP_NUM_TASKS'),
      localRank: int('SLURM_LOCALID'),
      localSize: perNode[node] ?? int('SLURM_STEP_NUM_TASKS'),
    });
  }
  return undefined;
}

/**
 * Slurm's compressed tasks-per-node list, one entry per node: `"2(x3),1"` is `[2, 2, 2, 1]`.
 */
export function tasksPerNode(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)(?:\(x(\d+)\))?\s*$/.exec(part);
    if (!m) return [];
    for (let i = 0; i < Number(m[2] ?? 1); i++) out.push(Number(m[1]));
  }
  return out;
}

function parseCount(value: string | undefined, name: string): number {
  const n = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isInteger(n) || n < 0) {
    const got = JSON.stringify(value);
    throw new RangeError(`launcher environment: ${name} should be a non-negative integer, got ${got}`);
  }
  return n;
}

function checked(info: LauncherInfo): LauncherInfo {
  if (info.size < 1 || info.rank >= info.size || info.localSize < 1 || info.localRank >= info.localSize) {
    throw new RangeError(`launcher environment (${info.kind}) is inconsistent: ${JSON.stringify(info)}`);
  }
  return info;
}
