/**
 * Helpers for the entry module of a worker thread started by {@link runWorkers}.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DistributedError } from './errors.js';
import { WorkerCommunicator } from './worker-communicator.js';

/** The key of the message that carries a worker's result to {@link runWorkers}. */
export const resultKey = '@momentum-smoe/distributed:result';

/** The `payload` given to {@link runWorkers}, as this worker thread received it (a structured clone). */
export function workerPayload<T>(): T {
  return (workerData as { payload: T } | null)?.payload as T;
}

/** Sends this worker's result to {@link runWorkers}; it resolves once every rank has sent one (and exited). */
export function postResult(value: unknown, transfer: readonly ArrayBuffer[] = []): void {
  if (!parentPort) throw new DistributedError('postResult: not running in a worker thread');
  parentPort.postMessage({ [resultKey]: true, value }, [...transfer]);
}

/**
 * The whole body of a typical entry module: joins the group, runs `main` with the communicator and the payload,
 * sends its return value as this rank's result and closes the communicator. An error thrown by `main` fails the
 * run (and {@link runWorkers} rejects naming this rank).
 *
 * @example
 * ```ts
 * // train-worker.ts, started by runWorkers({ size: 2, entry: new URL('./train-worker.js', import.meta.url), payload })
 * await workerMain(async (comm, payload: { steps: number }) => {
 *   const grads = new Float32Array(10).fill(comm.rank);
 *   await comm.allReduce(grads, 'mean');
 *   return grads[0];
 * });
 * ```
 */
export async function workerMain<P, T>(main: (comm: WorkerCommunicator, payload: P) => Promise<T> | T): Promise<void> {
  const comm = WorkerCommunicator.fromWorkerData();
  try {
    postResult(await main(comm, workerPayload<P>()));
  } finally {
    await comm.close();
  }
}
