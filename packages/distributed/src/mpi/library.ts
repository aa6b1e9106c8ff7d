/**
 * Finding and binding the system's MPI library at run time through koffi (no compiler, no MPI headers).
 * @module
 */
import { MpiUnavailableError } from '../errors.js';
import { detectMpiFamily, mpiAbi, type MpiAbi } from './abi.js';

/** The environment variable that names the MPI library to load (a path or a file name). */
export const mpiLibraryEnv = 'MSMOE_MPI_LIBRARY';

/**
 * Library names tried in order: Open MPI's soname, then MPICH's (also Intel MPI, MVAPICH, Cray MPICH), then the
 * unversioned development link.
 */
export const defaultMpiLibraries: readonly string[] =
  process.platform === 'darwin'
    ? ['libmpi.40.dylib', 'libmpi.12.dylib', 'libmpi.dylib']
    : ['libmpi.so.40', 'libmpi.so.12', 'libmpi.so'];

/** koffi's default stack for asynchronous calls (128 KiB) is too small for MPICH's all-reduce; this is enough. */
const asyncStackBytes = 4 * 2 ** 20;

const fix =
  "install Open MPI ('apt-get install openmpi-bin') or load your cluster's MPI module ('module load openmpi'), " +
  `or set ${mpiLibraryEnv} to the path of libmpi; to train in one process instead, run without mpirun/srun`;

/** A koffi function: callable synchronously, or through `.async(...args, callback)` on koffi's worker threads. */
export type MpiFunction = ((...args: unknown[]) => number) & {
  async: (...args: unknown[]) => void;
};

/** The MPI functions this package calls, bound with the ABI's handle type. */
export interface MpiLibrary {
  /** The name or path it was loaded from. */
  readonly path: string;
  readonly abi: MpiAbi;
  readonly fn: Record<MpiFunctionName, MpiFunction>;
}

const prototypes = (h: string) => ({
  MPI_Initialized: 'int MPI_Initialized(_Out_ int *flag)',
  MPI_Finalized: 'int MPI_Finalized(_Out_ int *flag)',
  MPI_Init_thread: 'int MPI_Init_thread(void *argc, void *argv, int required, _Out_ int *provided)',
  MPI_Finalize: 'int MPI_Finalize()',
  MPI_Abort: `int MPI_Abort(${h} comm, int code)`,
  MPI_Comm_rank: `int MPI_Comm_rank(${h} comm, _Out_ int *rank)`,
  MPI_Comm_size: `int MPI_Comm_size(${h} comm, _Out_ int *size)`,
  MPI_Comm_split_type: `int MPI_Comm_split_type(${h} comm, int type, int key, ${h} info, _Out_ ${h} *out)`,
  MPI_Comm_free: `int MPI_Comm_free(_Inout_ ${h} *comm)`,
  MPI_Get_library_version: 'int MPI_Get_library_version(void *text, _Out_ int *length)',
  MPI_Allreduce: `int MPI_Allreduce(void *send, void *recv, int count, ${h} type, ${h} op, ${h} comm)`,
  MPI_Alltoall: `int MPI_Alltoall(void *send, int n, ${h} type, void *recv, int recvN, ${h} recvType, ${h} comm)`,
  MPI_Allgather: `int MPI_Allgather(void *send, int n, ${h} type, void *recv, int recvN, ${h} recvType, ${h} comm)`,
  MPI_Bcast: `int MPI_Bcast(void *buffer, int count, ${h} type, int root, ${h} comm)`,
  MPI_Barrier: `int MPI_Barrier(${h} comm)`,
});

/** The names of the bound MPI functions. */
export type MpiFunctionName = keyof ReturnType<typeof prototypes>;

/**
 * Loads koffi and the MPI library: `library` if given, else `$MSMOE_MPI_LIBRARY`, else the `candidates` (by default
 * {@link defaultMpiLibraries}). Throws one {@link MpiUnavailableError} naming what was tried and the fix.
 */
export async function loadMpiLibrary(
  library?: string,
  candidates: readonly string[] = defaultMpiLibraries,
): Promise<MpiLibrary> {
  let koffi: (typeof import('koffi'))['default'];
  try {
    koffi = (await import('koffi')).default;
  } catch (e) {
    throw new MpiUnavailableError(`koffi (the FFI that calls MPI) could not be loaded on this platform: ${message(e)}`);
  }
  try {
    koffi.config({ async_stack_size: asyncStackBytes });
  } catch {
    // Another part of the process loaded a library through koffi first: koffi's settings are fixed now.
    const stack = (koffi.config() as { async_stack_size: number }).async_stack_size;
    if (stack < asyncStackBytes) {
      process.emitWarning(
        `koffi's stack for asynchronous calls is ${stack / 1024} KiB, fixed before MPI was opened; MPICH's ` +
          'all-reduce needs more (4 MiB): open MPI before loading other libraries through koffi',
      );
    }
  }
  const explicit = library ?? process.env[mpiLibraryEnv];
  const failures: string[] = [];
  for (const path of explicit ? [explicit] : candidates) {
    let lib: ReturnType<typeof koffi.load>;
    try {
      lib = koffi.load(path);
    } catch (e) {
      failures.push(explicit ? `${path} (${message(e)})` : path);
      continue;
    }
    const addressOf = (name: string): bigint => lib.symbol(name) as bigint;
    const has = (name: string) => {
      try {
        addressOf(name);
        return true;
      } catch {
        return false;
      }
    };
    const family = detectMpiFamily(has);
    if (!family) {
      failures.push(`${path} (not an MPI library: no MPI_Init_thread)`);
      continue;
    }
    const abi = mpiAbi(family, addressOf);
    const fn = Object.fromEntries(
      Object.entries(prototypes(abi.handleType)).map(([name, proto]) => [name, lib.func(proto) as MpiFunction]),
    ) as Record<MpiFunctionName, MpiFunction>;
    return { path, abi, fn };
  }
  const what = explicit
    ? `MPI library could not be loaded: ${failures.join('; ')}`
    : `no MPI library found (tried ${failures.join(', ')})`;
  throw new MpiUnavailableError(`${what}: ${fix}`);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
