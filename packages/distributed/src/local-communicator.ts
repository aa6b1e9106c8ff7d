import {
  checkReduceOp,
  checkRoot,
  StagingArray,
  type Communicator,
  type ReduceOp,
  type ReduceStaging,
} from './communicator.js';

/**
 * The communicator of a single process: size 1, every collective leaves the data as it is. The default when training
 * is not distributed, so the training loop has one code path.
 *
 * @example
 * ```ts
 * const comm = new LocalCommunicator();
 * await comm.allReduce(grads, 'mean'); // no change
 * ```
 */
export class LocalCommunicator implements Communicator {
  readonly rank = 0;
  readonly size = 1;
  readonly localRank = 0;
  readonly localSize = 1;
  private readonly staging = new StagingArray();

  async allReduce(_data: Float32Array, op: ReduceOp = 'sum'): Promise<void> {
    checkReduceOp(op);
  }

  async allReduceStaged(length: number, staging: ReduceStaging, op: ReduceOp = 'sum'): Promise<void> {
    checkReduceOp(op);
    await this.staging.reduce(length, staging, async () => {});
  }

  async broadcast(_data: Float32Array | Uint8Array, root = 0): Promise<void> {
    checkRoot(root, 1);
  }

  async barrier(): Promise<void> {}

  async close(): Promise<void> {}
}
