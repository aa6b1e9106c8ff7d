import { workerData } from 'node:worker_threads';
import { AtomicBarrier } from './atomic-barrier.js';
import {
  bytesOf,
  checkReduceOp,
  checkRoot,
  StagingArray,
  type Communicator,
  type ReduceOp,
  type ReduceStaging,
} from './communicator.js';
import { CollectiveAbortedError, DistributedError } from './errors.js';
import { abortGroup, alignRegion, Control, type SharedGroup } from './shared-group.js';
import { growMemory, SumKernel } from './sum-kernel.js';

/** The key under which {@link runWorkers} puts a worker's {@link SharedGroup} into `workerData`. */
export const groupKey = '@momentum-smoe/distributed:group';

/** Elements of one reduction piece are split over ranks in multiples of this (a cache line of floats). */
const splitAlign = 16;

/**
 * One worker thread's member of a group started by {@link runWorkers}. The ranks exchange data through one shared
 * WebAssembly memory: each copies its array into its own slot, each then sums a disjoint part of the elements over
 * the slots in rank order (0, 1, 2, …) into a shared result with a SIMD kernel, and each copies the result back. Two barriers per
 * all-reduce, no message copies; the sum of every element is taken in the same order whichever thread computes it,
 * so results are bit-identical from run to run. Arrays longer than the shared regions are reduced in pieces.
 *
 * @example
 * ```ts
 * // inside the entry module that runWorkers starts
 * const comm = WorkerCommunicator.fromWorkerData();
 * await comm.allReduce(grads, 'mean');
 * ```
 */
export class WorkerCommunicator implements Communicator {
  readonly rank: number;
  readonly size: number;
  /** Worker threads all live on one machine: the local rank is the rank. */
  readonly localRank: number;
  readonly localSize: number;
  private readonly group: SharedGroup;
  private readonly sync: AtomicBarrier;
  private readonly lengths: Int32Array;
  private regionBytes: number;
  private readonly kernel: SumKernel;
  private readonly staging = new StagingArray();
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  /** Joins the group described by `group` (what {@link runWorkers} hands each worker). */
  constructor(group: SharedGroup) {
    this.group = group;
    this.rank = this.localRank = group.rank;
    this.size = this.localSize = group.size;
    this.sync = new AtomicBarrier(group.control, group.rank, group.size, group.timeoutMs);
    this.lengths = new Int32Array(group.control, Control.Lengths * Int32Array.BYTES_PER_ELEMENT, group.size);
    this.regionBytes = group.initialRegionBytes;
    this.kernel = new SumKernel(group.memory);
  }

  /**
   * The communicator of the current worker thread, from the `workerData` that {@link runWorkers} passed it.
   * Throws when the thread was not started by `runWorkers`.
   */
  static fromWorkerData(data: unknown = workerData): WorkerCommunicator {
    const group = (data as Record<string, unknown> | null | undefined)?.[groupKey] as SharedGroup | undefined;
    if (!group) {
      throw new DistributedError(
        'WorkerCommunicator.fromWorkerData: this thread was not started by runWorkers (no group in workerData)',
      );
    }
    return new WorkerCommunicator(group);
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
      if (this.size === 1) return this.staging.reduce(length, staging, async () => {});
      const pieceLength = this.group.maxRegionBytes / Float32Array.BYTES_PER_ELEMENT;
      for (let start = 0; start < length || start === 0; start += pieceLength) {
        await this.reducePiece(start, Math.min(length, start + pieceLength) - start, staging, op);
      }
    });
  }

  broadcast(data: Float32Array | Uint8Array, root = 0): Promise<void> {
    checkRoot(root, this.size);
    return this.enqueue(async () => {
      if (this.size === 1) return;
      const bytes = bytesOf(data);
      const piece = this.group.maxRegionBytes;
      for (let start = 0; start < bytes.length || start === 0; start += piece) {
        await this.broadcastPiece(bytes.subarray(start, Math.min(bytes.length, start + piece)), root);
      }
    });
  }

  barrier(): Promise<void> {
    return this.enqueue(() => this.sync.arrive('barrier'));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue.catch(() => {});
  }

  /** Runs collectives one after another in call order, even when the caller does not await each. */
  private enqueue(op: () => Promise<void>): Promise<void> {
    if (this.closed) return Promise.reject(new DistributedError(`rank ${this.rank}: communicator is closed`));
    const next = this.queue.then(op);
    this.queue = next.catch(() => {});
    return next;
  }

  /** All-reduce of the `n` elements from `start` on, which fit one region. */
  private async reducePiece(start: number, n: number, staging: ReduceStaging, op: ReduceOp): Promise<void> {
    const byteLength = n * Float32Array.BYTES_PER_ELEMENT;
    const region = await this.ensureRegion(byteLength);
    staging.write(new Float32Array(this.group.memory.buffer, region * (1 + this.rank), n), start);
    await this.arriveWithLength('allReduce', byteLength);
    // This rank's part [lo, hi) of the elements: out = slot0 + slot1 + … in rank order, rounded to float32 each time.
    const per = Math.ceil(n / this.size / splitAlign) * splitAlign;
    const lo = Math.min(n, this.rank * per);
    const count = Math.min(n, lo + per) - lo;
    const at = (byteOffset: number) => byteOffset + lo * Float32Array.BYTES_PER_ELEMENT;
    const out = at(0);
    for (let r = 1; r < this.size; r++) {
      const acc = r === 1 ? at(region) : out;
      if (r === this.size - 1 && op === 'mean') this.kernel.addDivide(out, acc, at(region * (1 + r)), count, this.size);
      else this.kernel.add(out, acc, at(region * (1 + r)), count);
    }
    await this.sync.arrive('allReduce');
    staging.read(new Float32Array(this.group.memory.buffer, 0, n), start);
  }

  private async broadcastPiece(bytes: Uint8Array, root: number): Promise<void> {
    await this.ensureRegion(bytes.length);
    // Nobody may still be reading the result region of the previous collective when the root overwrites it.
    await this.arriveWithLength('broadcast', bytes.length);
    if (this.rank === root) new Uint8Array(this.group.memory.buffer, 0, bytes.length).set(bytes);
    await this.sync.arrive('broadcast');
    if (this.rank !== root) bytes.set(new Uint8Array(this.group.memory.buffer, 0, bytes.length));
  }

  /**
   * Grows the shared regions to hold `bytes`. Every rank makes the same calls, so every rank computes the same
   * region size and knows when the memory must grow: rank 0 grows it while the others wait at a barrier. The result
   * region sits first and never moves, so growing never disturbs a rank that is still copying out the previous result.
   */
  private async ensureRegion(bytes: number): Promise<number> {
    if (bytes <= this.regionBytes) return this.regionBytes;
    const region = alignRegion(bytes);
    if (this.rank === 0) growMemory(this.group.memory, region * (this.size + 1));
    await this.sync.arrive('grow');
    this.regionBytes = region;
    return region;
  }

  /** A barrier that also checks that every rank passed an array of the same byte length. */
  private async arriveWithLength(what: string, byteLength: number): Promise<void> {
    Atomics.store(this.lengths, this.rank, byteLength);
    await this.sync.arrive(what);
    for (let r = 0; r < this.size; r++) {
      const other = Atomics.load(this.lengths, r);
      if (other !== byteLength) {
        abortGroup(this.group.control, 1 + this.rank);
        throw new CollectiveAbortedError(
          `rank ${this.rank}: ${what} of ${byteLength} bytes, but rank ${r} passed ${other} bytes ` +
            '(every rank must pass arrays of the same length)',
        );
      }
    }
  }
}
