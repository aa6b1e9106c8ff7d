import { inspect } from 'node:util';
import {
  bytesOf,
  checkReduceOp,
  checkRoot,
  type Communicator,
  type ReduceOp,
  type ReduceStaging,
} from '../communicator.js';
import { DistributedError } from '../errors.js';
import { growMemory, sharedMemory, SumKernel, type SharedWasmMemory } from '../sum-kernel.js';
import { threadSerialized } from './abi.js';
import { detectLauncher } from '../launcher.js';
import { loadMpiLibrary, mpiLibraryEnv, type MpiFunction, type MpiFunctionName, type MpiLibrary } from './library.js';

/** Options of {@link MpiCommunicator.open}. */
export interface MpiOpenOptions {
  /** The MPI library to load, a path or a file name (default: `$MSMOE_MPI_LIBRARY`, then the usual sonames). */
  library?: string;
  /**
   * Largest number of elements one MPI call moves (default 2^24 with more than two ranks, which bounds the staging
   * memory of the rank-order sum to 128 MB, else 2^28); longer arrays go in pieces.
   */
  pieceElements?: number;
}

/** Elements per MPI call: MPI counts are C ints; large arrays go in pieces of this many elements. */
const maxCount = 2 ** 28;
/** Elements per rank-order piece (64 MB): bounds the staging memory of that algorithm to 128 MB. */
const rankOrderPiece = 2 ** 24;
/** The staging memory may grow to what a 32-bit WebAssembly memory addresses (4 GiB), room for two 2^28-float pieces. */
const maxStagingBytes = 2 ** 32;

/**
 * The ranks of an MPI job (`mpirun`, `mpiexec`, `srun`), through the system's MPI library (Open MPI or an MPICH
 * family member) called with koffi. Collectives run on koffi's worker threads (MPI is initialised with
 * `MPI_THREAD_SERIALIZED`, and this class never has two calls in flight), so the event loop keeps running while a
 * rank waits. Without a launcher, MPI runs as a singleton of size 1.
 *
 * The all-reduce sums in rank order whatever the number of ranks: with one or two ranks that is `MPI_Allreduce`
 * itself (a float sum of two numbers does not depend on their order); with more, each rank receives every rank's
 * copy of its share of the elements (`MPI_Alltoall`), sums them in rank order and the shares are gathered back
 * (`MPI_Allgather`), the same traffic as a ring all-reduce. So an MPI run and a {@link WorkerCommunicator} run of the
 * same size give the same bits. Arrays are staged piece by piece in a shared WebAssembly memory, where the same SIMD
 * kernels as the worker threads' take the rank-order sum and the mean.
 *
 * @example
 * ```ts
 * const comm = await MpiCommunicator.open(); // under `mpirun -np 2 node train.js`
 * await comm.allReduce(grads, 'mean');
 * await comm.close();                        // every rank; MPI_Finalize runs at a clean exit
 * ```
 */
export class MpiCommunicator implements Communicator {
  readonly rank: number;
  readonly size: number;
  readonly localRank: number;
  readonly localSize: number;
  /** The library's own description (`MPI_Get_library_version`, first line), e.g. `Open MPI v4.1.4, …`. */
  readonly libraryVersion: string;
  private readonly lib: MpiLibrary;
  private readonly ownsMpi: boolean;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  /** Where the all-reduce stages its pieces, made on first use (a shared WebAssembly memory, for the SIMD kernels). */
  private memory: SharedWasmMemory | undefined;
  private kernel: SumKernel | undefined;
  private readonly pieceElements: number;

  private constructor(lib: MpiLibrary, ownsMpi: boolean, pieceElements: number | undefined) {
    this.lib = lib;
    this.ownsMpi = ownsMpi;
    const { abi } = lib;
    this.rank = this.intOut('MPI_Comm_rank', abi.commWorld);
    this.size = this.intOut('MPI_Comm_size', abi.commWorld);
    const node: [bigint | number] = [0];
    const split = lib.fn.MPI_Comm_split_type(abi.commWorld, abi.commTypeShared, 0, abi.infoNull, node);
    this.check('MPI_Comm_split_type', split);
    this.localRank = this.intOut('MPI_Comm_rank', node[0]);
    this.localSize = this.intOut('MPI_Comm_size', node[0]);
    this.check('MPI_Comm_free', lib.fn.MPI_Comm_free(node));
    const text = new Uint8Array(abi.libraryVersionBytes);
    const length = [0];
    this.check('MPI_Get_library_version', lib.fn.MPI_Get_library_version(text, length));
    const version = new TextDecoder().decode(text.subarray(0, length[0]));
    this.libraryVersion = version
      .replace(/\0[\s\S]*$/, '')
      .split('\n')[0]!
      .trim();
    this.pieceElements = Math.min(maxCount, pieceElements ?? (this.size > 2 ? rankOrderPiece : maxCount));
  }

  /**
   * Loads MPI and initialises it (unless something else in the process already did). Throws
   * {@link MpiUnavailableError} with the fix when no MPI library can be loaded.
   */
  static async open(options: MpiOpenOptions = {}): Promise<MpiCommunicator> {
    const lib = await loadMpiLibrary(options.library);
    const flag = [0];
    lib.fn.MPI_Finalized(flag);
    if (flag[0]) throw new DistributedError('MPI was finalized in this process; it cannot start again');
    lib.fn.MPI_Initialized(flag);
    const ownsMpi = flag[0] === 0;
    if (ownsMpi) {
      const provided = [0];
      const rc = lib.fn.MPI_Init_thread(null, null, threadSerialized, provided);
      if (rc !== 0) throw new DistributedError(`MPI_Init_thread failed with error code ${rc} (${lib.path})`);
      if (provided[0]! < threadSerialized) {
        lib.fn.MPI_Finalize();
        throw new DistributedError(
          `${lib.path} supports thread level ${provided[0]} only; ` +
            `MPI_THREAD_SERIALIZED (${threadSerialized}) is needed ` +
            'because MPI is called from koffi worker threads (use an MPI built with thread support)',
        );
      }
    }
    const comm = new MpiCommunicator(lib, ownsMpi, options.pieceElements);
    const launcher = detectLauncher();
    if (launcher && launcher.size !== comm.size) {
      await comm.close();
      throw new DistributedError(
        `${launcher.kind} started ${launcher.size} ranks, but ${lib.path} (${lib.abi.family}) sees ${comm.size}: the ` +
          'launcher and the MPI library must come from the same MPI (use its mpirun/mpiexec, `srun --mpi=pmix` under ' +
          `Slurm, or point ${mpiLibraryEnv} at the library that matches the launcher)`,
      );
    }
    return comm;
  }

  /** The ABI family of the loaded library. */
  get family(): 'openmpi' | 'mpich' {
    return this.lib.abi.family;
  }

  allReduce(data: Float32Array, op: ReduceOp = 'sum'): Promise<void> {
    const staging: ReduceStaging = {
      write: (view, start) => view.set(data.subarray(start, start + view.length)),
      read: (view, start) => data.set(view, start),
    };
    return this.allReduceStaged(data.length, staging, op);
  }

  allReduceStaged(length: number, staging: ReduceStaging, op: ReduceOp = 'sum'): Promise<void> {
    checkReduceOp(op);
    return this.enqueue(async () => {
      for (let start = 0; start < length; start += this.pieceElements) {
        await this.reducePiece(start, Math.min(length, start + this.pieceElements) - start, staging, op);
      }
    });
  }

  broadcast(data: Float32Array | Uint8Array, root = 0): Promise<void> {
    checkRoot(root, this.size);
    return this.enqueue(async () => {
      const bytes = bytesOf(data);
      const { abi } = this.lib;
      const pieceBytes = this.pieceElements * Float32Array.BYTES_PER_ELEMENT;
      for (let start = 0; start < bytes.length; start += pieceBytes) {
        const piece = bytes.subarray(start, Math.min(bytes.length, start + pieceBytes));
        await this.callAsync('MPI_Bcast', piece, piece.length, abi.byte, root, abi.commWorld);
      }
    });
  }

  barrier(): Promise<void> {
    return this.enqueue(() => this.callAsync('MPI_Barrier', this.lib.abi.commWorld));
  }

  /**
   * Waits for pending collectives and ends this rank's use of MPI. `MPI_Finalize` itself runs when the process exits
   * with code 0 (on the main thread, as MPI asks): it waits for every rank, so a rank that closes on its way out
   * with an error (`try … finally { await comm.close() }`) must not call it while the others sit in a collective
   * waiting for that rank. Exiting without finalising instead makes the launcher end the whole job, with the rank's
   * error.
   * Every rank must close.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    if (this.ownsMpi) {
      process.once('exit', (code) => {
        if (code === 0) this.lib.fn.MPI_Finalize();
      });
    }
  }

  /** `MPI_Abort`: ends every rank of the job at once with `code` (for a fatal error on one rank). */
  abort(code = 1): void {
    this.lib.fn.MPI_Abort(this.lib.abi.commWorld, code);
  }

  /**
   * All-reduce of the `n` elements from `start` on, in the staging memory: the caller writes them at its start, MPI
   * sums there, the SIMD kernels take the rank-order sum (more than two ranks) and the mean, and the caller reads
   * the result.
   */
  private async reducePiece(start: number, n: number, staging: ReduceStaging, op: ReduceOp): Promise<void> {
    const f32 = Float32Array.BYTES_PER_ELEMENT;
    const { abi } = this.lib;
    if (this.size <= 2) {
      const kernel = this.reserve(n * f32);
      const piece = this.floats(0, n);
      staging.write(piece, start);
      if (this.size === 2) {
        await this.callAsync('MPI_Allreduce', abi.inPlace, piece, n, abi.float, abi.sum, abi.commWorld);
        if (op === 'mean') kernel.divide(0, n, this.size);
      }
      return staging.read(this.floats(0, n), start);
    }
    // Alltoall of equal shares, a rank-order sum of this rank's share, allgather of the shares. Memory: the piece
    // (padded to whole shares) as the send buffer, then the receive buffer.
    const share = Math.ceil(n / this.size);
    const total = share * this.size;
    const recv = total * f32;
    const kernel = this.reserve(2 * total * f32);
    staging.write(this.floats(0, n), start);
    this.floats(n * f32, total - n).fill(0);
    const [send, received] = [this.floats(0, total), this.floats(recv, total)];
    await this.callAsync('MPI_Alltoall', send, share, abi.float, received, share, abi.float, abi.commWorld);
    // The receive buffer holds rank r's copy of this rank's share at [r · share, (r + 1) · share): sum in rank order
    // into the send buffer's first share (no longer needed), dividing at the last addition for a mean.
    for (let r = 1; r < this.size; r++) {
      const acc = r === 1 ? recv : 0;
      const part = recv + r * share * f32;
      if (r === this.size - 1 && op === 'mean') kernel.addDivide(0, acc, part, share, this.size);
      else kernel.add(0, acc, part, share);
    }
    const mine = this.floats(0, share);
    await this.callAsync(
      'MPI_Allgather',
      mine,
      share,
      abi.float,
      this.floats(recv, total),
      share,
      abi.float,
      abi.commWorld,
    );
    staging.read(this.floats(recv, n), start);
  }

  /** Grows the staging memory to at least `bytes`; returns the kernels that work on it. */
  private reserve(bytes: number): SumKernel {
    this.memory ??= sharedMemory(bytes, maxStagingBytes);
    this.kernel ??= new SumKernel(this.memory);
    growMemory(this.memory, bytes);
    return this.kernel;
  }

  /** A float view of the staging memory (made anew: growing replaces the buffer). */
  private floats(byteOffset: number, length: number): Float32Array {
    return new Float32Array(this.memory!.buffer, byteOffset, length);
  }

  private enqueue(op: () => Promise<void>): Promise<void> {
    if (this.closed) return Promise.reject(new DistributedError(`rank ${this.rank}: MPI communicator is closed`));
    const next = this.queue.then(op);
    this.queue = next.catch(() => {});
    return next;
  }

  private callAsync(name: MpiFunctionName, ...args: unknown[]): Promise<void> {
    const fn: MpiFunction = this.lib.fn[name];
    return new Promise((resolve, reject) => {
      fn.async(...args, (error: unknown, rc: number) => {
        if (error instanceof Error) reject(error);
        else if (error) reject(new DistributedError(`rank ${this.rank}: ${name} failed: ${inspect(error)}`));
        else if (rc !== 0) reject(new DistributedError(`rank ${this.rank}: ${name} failed with MPI error code ${rc}`));
        else resolve();
      });
    });
  }

  private intOut(name: 'MPI_Comm_rank' | 'MPI_Comm_size', comm: bigint | number): number {
    const out = [0];
    this.check(name, this.lib.fn[name](comm, out));
    return out[0]!;
  }

  private check(name: string, rc: number): void {
    if (rc !== 0) throw new DistributedError(`${name} failed with MPI error code ${rc} (${this.lib.path})`);
  }
}
