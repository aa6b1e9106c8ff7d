/**
 * The collective operations that data-parallel training needs, whatever carries them (one process, worker threads,
 * MPI ranks).
 * @module
 */

/** How {@link Communicator.allReduce} combines the ranks' arrays. */
export type ReduceOp = 'sum' | 'mean';

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
