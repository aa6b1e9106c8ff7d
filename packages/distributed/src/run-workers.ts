import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { DistributedError, WorkerFailedError } from './errors.js';
import { abortGroup, cancelledCode, Control, createSharedMemory, type SharedGroupOptions } from './shared-group.js';
import { groupKey } from './worker-communicator.js';
import { resultKey } from './worker-entry.js';

/** How long a rank that failed only because another rank aborted the group waits for that rank's own error (ms). */
const culpritGraceMs = 2_000;

/** Options of {@link runWorkers}. */
export interface RunWorkersOptions extends SharedGroupOptions {
  /** Number of worker threads (ranks), at least 1. */
  size: number;
  /** The module each worker runs: a `file:` URL or a path (relative paths resolve against the working directory). */
  entry: string | URL;
  /** Given to every worker as `workerData.payload` (structured clone); read it with {@link workerPayload}. */
  payload?: unknown;
  /** Aborting it ends the run: every worker is terminated and the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called with every message a worker posts that is not its result (progress, metrics). */
  onMessage?: (rank: number, message: unknown) => void;
  /** Node options of the workers (default: this process's `execArgv`, e.g. a TypeScript loader). */
  execArgv?: string[];
  /** Memory limits of each worker's heap. */
  resourceLimits?: ResourceLimits;
  /** After every rank has sent its result, how long a worker may take to exit before it is terminated (ms). */
  exitGraceMs?: number;
}

/**
 * Runs `size` worker threads of `entry`, each one rank of a group whose {@link WorkerCommunicator} the entry builds
 * with `WorkerCommunicator.fromWorkerData()` (or runs its body through {@link workerMain}). Resolves with each
 * rank's result, in rank order. When any worker throws, or exits before sending its result, every other worker is
 * woken from its collective and terminated, and the promise rejects with a {@link WorkerFailedError} naming the rank
 * and its error. Nothing is left running when the promise settles.
 *
 * @example
 * ```ts
 * const entry = new URL('./worker.js', import.meta.url);
 * const sums = await runWorkers<number>({ size: 2, entry, payload: { n: 4 } });
 * ```
 */
export function runWorkers<T>(options: RunWorkersOptions): Promise<T[]> {
  const { size } = options;
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`runWorkers: size must be an integer ≥ 1, got ${size}`);
  }
  const entry = toUrl(options.entry);
  const shared = createSharedMemory(size, options);
  const control = new Int32Array(shared.control);
  const results = new Array<T>(size);
  const sent = new Array<boolean>(size).fill(false);
  const exited = new Array<boolean>(size).fill(false);
  const errored = new Array<boolean>(size).fill(false);
  const workers: Worker[] = [];

  return new Promise<T[]>((resolvePromise, rejectPromise) => {
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const finish = (error: Error | undefined, abortCode: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(graceTimer);
      options.signal?.removeEventListener('abort', onAbort);
      if (error) abortGroup(shared.control, abortCode);
      const stopping = workers.map((w, r) => (exited[r] ? Promise.resolve(0) : w.terminate()));
      void Promise.allSettled(stopping).then(() => (error ? rejectPromise(error) : resolvePromise(results)));
    };
    const onAbort = () => {
      const reason: unknown = options.signal?.reason;
      finish(reason instanceof Error ? reason : new DistributedError('runWorkers: cancelled'), cancelledCode);
    };
    const maybeDone = () => {
      if (!sent.every(Boolean)) return;
      if (exited.every(Boolean)) return finish(undefined, 0);
      graceTimer ??= setTimeout(() => finish(undefined, 0), options.exitGraceMs ?? 5_000);
    };

    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    for (let rank = 0; rank < size; rank++) {
      const worker = new Worker(entry, {
        workerData: { payload: options.payload, [groupKey]: { ...shared, rank } },
        ...(options.execArgv ? { execArgv: options.execArgv } : {}),
        ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
      });
      workers.push(worker);
      worker.on('message', (message: unknown) => {
        if (message && typeof message === 'object' && resultKey in message) {
          results[rank] = (message as unknown as { value: T }).value;
          sent[rank] = true;
          maybeDone();
        } else {
          options.onMessage?.(rank, message);
        }
      });
      worker.on('error', (error: Error) => {
        errored[rank] = true;
        const text = error instanceof Error ? error.message : String(error);
        const failure = new WorkerFailedError(rank, `worker rank ${rank} of ${size} failed: ${text}`, { cause: error });
        // A rank woken because another rank aborted the group is not the cause: wait briefly for the culprit's error.
        const culprit = Atomics.load(control, Control.Abort) - 1;
        if (culprit >= 0 && culprit !== rank) setTimeout(() => finish(failure, 1 + rank), culpritGraceMs).unref();
        else finish(failure, 1 + rank);
      });
      worker.on('exit', (code) => {
        exited[rank] = true;
        if (errored[rank]) return; // reported by the 'error' handler
        if (!sent[rank]) {
          const text = `worker rank ${rank} of ${size} exited with code ${code} before sending its result`;
          finish(new WorkerFailedError(rank, text), 1 + rank);
        } else {
          maybeDone();
        }
      });
    }
  });
}

function toUrl(entry: string | URL): URL {
  if (entry instanceof URL) return entry;
  if (entry.startsWith('file:')) return new URL(entry);
  return pathToFileURL(isAbsolute(entry) ? entry : resolve(entry));
}
