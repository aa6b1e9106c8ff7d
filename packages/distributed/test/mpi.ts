import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsExecArgv } from './reference.js';

/** The `mpirun` on PATH, or undefined (the MPI tests then skip, saying why). */
export const mpirun = (process.env['PATH'] ?? '')
  .split(delimiter)
  .map((dir) => join(dir, 'mpirun'))
  .find((file) => existsSync(file));

export const noMpirunReason = 'no mpirun on PATH (install Open MPI: scripts/ci/install-openmpi.sh)';

const fixture = fileURLToPath(new URL('./fixtures/mpi-exercise.ts', import.meta.url));

/** Root may run mpirun only when it says so; oversubscribe lets a 2-core machine run 3 ranks. */
const mpirunEnv = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' };

export interface Launch {
  /** Where the ranks wrote their reports. */
  dir: string;
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/**
 * MPICH unpacked (not installed) by scripts/ci/fetch-mpich.sh: its Hydra launcher and the environment that makes
 * the fixture load libmpich; undefined when absent (the MPICH tests then skip, saying why).
 */
export const mpich = findMpich(fileURLToPath(new URL('../../../.cache/mpich', import.meta.url)));

export const noMpichReason = 'no MPICH in .cache/mpich (unpack it with scripts/ci/fetch-mpich.sh)';

function findMpich(prefix: string): { hydra: string; env: Record<string, string> } | undefined {
  const hydra = join(prefix, 'usr', 'bin', 'mpiexec.hydra');
  if (!existsSync(hydra)) return undefined;
  const libDirs = libraryDirs(join(prefix, 'usr', 'lib'));
  const library = libDirs.map((d) => join(d, 'libmpich.so.12')).find((f) => existsSync(f));
  if (!library) return undefined;
  const path = `${join(prefix, 'usr', 'bin')}${delimiter}${process.env['PATH'] ?? ''}`;
  return { hydra, env: { MSMOE_MPI_LIBRARY: library, PATH: path, LD_LIBRARY_PATH: libDirs.join(delimiter) } };
}

/** Folders under `dir` (two levels) that hold shared libraries: libslurm, which Hydra needs, sits in one of them. */
function libraryDirs(dir: string, depth = 2): string[] {
  if (!existsSync(dir)) return [];
  const entries = readdirSync(dir, { withFileTypes: true });
  const here = entries.some((e) => e.name.includes('.so')) ? [dir] : [];
  const folders = depth > 0 ? entries.filter((e) => e.isDirectory()) : [];
  const below = folders.flatMap((e) => libraryDirs(join(dir, e.name), depth - 1));
  return [...here, ...below];
}

/** Runs the MPI fixture under Open MPI's `mpirun -np ranks` (or MPICH's Hydra), or with 0 ranks as a plain process. */
export function launch(
  ranks: number,
  args: Array<string | number>,
  options: { env?: Record<string, string>; launcher?: 'openmpi' | 'mpich' } = {},
): Promise<Launch> {
  const dir = mkdtempSync(join(tmpdir(), 'msmoe-mpi-'));
  const node = [process.execPath, ...tsExecArgv, fixture, dir, ...args.map(String)];
  const [file, argv] =
    ranks === 0
      ? [node[0]!, node.slice(1)]
      : options.launcher === 'mpich'
        ? [mpich!.hydra, ['-n', String(ranks), ...node]]
        : [mpirun!, ['--oversubscribe', '-np', String(ranks), ...node]];
  const env = { ...mpirunEnv, ...(options.launcher === 'mpich' ? mpich!.env : {}), ...options.env };
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(file, argv, { env, timeout: 60_000, maxBuffer: 64 * 2 ** 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ dir, code, stdout, stderr, seconds: (performance.now() - t0) / 1000 });
    });
  });
}

/** What one rank of the fixture reported. */
export interface RankReport {
  rank: number;
  size: number;
  localRank: number;
  localSize: number;
  family: string;
  library: string;
  sum: Float32Array;
  mean: Float32Array;
  staged: Float32Array;
  ranges: [number, number][];
  floats: Float32Array;
  bytes: Uint8Array;
}

/** The reports of a launch, in rank order, with the arrays decoded. */
export function results(out: Launch): RankReport[] {
  const decode = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));
  const floats = (b64: string) => new Float32Array(decode(b64).buffer);
  return readdirSync(out.dir)
    .sort((a, b) => parseInt(a.slice(5)) - parseInt(b.slice(5)))
    .map((file) => JSON.parse(readFileSync(join(out.dir, file), 'utf8')) as Record<keyof RankReport, string>)
    .map((r) => ({
      ...(r as unknown as RankReport),
      sum: floats(r.sum),
      mean: floats(r.mean),
      staged: floats(r.staged),
      floats: floats(r.floats),
      bytes: decode(r.bytes),
    }));
}
