/**
 * The collective operations that data-parallel training needs, whatever carries them (one process, worker threads,
 * MPI ranks).
 * @module
 */

/** How {@link Communicator.allReduce} combines the ranks' arrays. */
export type ReduceOp = 'sum' | 'mean';

/**
 * Where {@link Communicator.allReduceStaged} takes this rank's elements from and puts the result: the communicator
 * calls `write` and then `read` once for each range of elements it reduces at a time (in order; a long array comes
 * in several ranges). Both are synchronous and must not keep `view`: it is the communicator's buffer.
 */
export interface ReduceStaging {
  /** Fills `view` with this rank's elements `[start, start + view.length)`. */
  write(view: Float32Array, start: number): void;
  /** Takes the reduced elements `[start, start + view.length)` from `view`. */
  read(view: Float32Array, start: number): void;
}

/**
 * A group of `size` ranks that run the same program on different data (PyTorch's process group). Every rank must call
 * the same collectives in the same order with arrays of the same length; the calls are asynchronous so the event
 * loop (progress output, Ctrl-C) keeps running while a rank waits for the others.
 *
 * @example
 * ```ts
 * const grads = new Float32Array([1, 2, 3]);
 * await comm.allReduce(grads, 'mean'); // every rank now holds the mean over ranks
 * ```
 */
export interface Communicator {
  /** This process's (or thread's) index, 0 ≤ rank < size. */
  readonly rank: number;
  /** The number of ranks. */
  readonly size: number;
  /** The rank's index among the ranks on its machine (the GPU it should take). */
  readonly localRank: number;
  /** The number of ranks on this machine. */
  readonly localSize: number;
  /**
   * In-place all-reduce; every rank ends with the identical result. Summation order is fixed (rank 0, 1, 2, …), so
   * results are bit-identical run to run. `'mean'` divides the sum by `size`.
   */
  allReduce(data: Float32Array, op?: ReduceOp): Promise<void>;
  /**
   * The same all-reduce of `length` elements without an array of the caller's: the caller writes its elements
   * straight into the communicator's buffer and reads the result straight out of it (see {@link ReduceStaging}).
   * Worker threads save two copies of the whole array this way (into and out of an intermediate array).
   */
  allReduceStaged(length: number, staging: ReduceStaging, op?: ReduceOp): Promise<void>;
  /** In place: every rank ends with `root`'s bytes (`data` must have the same byte length on every rank). */
  broadcast(data: Float32Array | Uint8Array, root?: number): Promise<void>;
  /** Resolves once every rank has called it. */
  barrier(): Promise<void>;
  /** Releases the communicator; no collective may follow. */
  close(): Promise<void>;
}

/** Throws unless `op` is a {@link ReduceOp} (the API is called from plain JavaScript too). */
export function checkReduceOp(op: string): asserts op is ReduceOp {
  if (op !== 'sum' && op !== 'mean') throw new RangeError(`allReduce: op must be 'sum' or 'mean', got '${op}'`);
}

/** Throws unless `root` is a rank of a group of `size`. */
export function checkRoot(root: number, size: number): void {
  if (!Number.isInteger(root) || root < 0 || root >= size) {
    throw new RangeError(`broadcast: root must be a rank in [0, ${size - 1}], got ${root}`);
  }
}

/** The bytes of a typed array, as a view on the same memory. */
export function bytesOf(data: Float32Array | Uint8Array): Uint8Array {
  return data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * {@link Communicator.allReduceStaged} for a communicator that reduces arrays of the caller's: stages through one
 * array, reused from call to call while the length stays the same.
 */
export class StagingArray {
  private array = new Float32Array(0);

  /** Writes into the array, reduces it with `reduce`, reads the result out. */
  async reduce(length: number, staging: ReduceStaging, reduce: (data: Float32Array) => Promise<void>): Promise<void> {
    if (this.array.length !== length) this.array = new Float32Array(length);
    staging.write(this.array, 0);
    await reduce(this.array);
    staging.read(this.array, 0);
  }
}
