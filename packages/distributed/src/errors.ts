/**
 * Errors of the distributed package. Each names what failed and, where there is one, the fix.
 * @module
 */

/** Base class of every error this package throws on purpose. */
export class DistributedError extends Error {
  override name = 'DistributedError';
}

/** A worker thread of {@link runWorkers} threw or exited before returning its result. */
export class WorkerFailedError extends DistributedError {
  override name = 'WorkerFailedError';
  constructor(
    /** The rank of the worker that failed. */
    readonly rank: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A collective could not complete: another rank failed, the run was cancelled, or the other ranks did not arrive
 * within the timeout.
 */
export class CollectiveAbortedError extends DistributedError {
  override name = 'CollectiveAbortedError';
}

/** The MPI library (or koffi, which calls it) could not be loaded or initialised. */
export class MpiUnavailableError extends DistributedError {
  override name = 'MpiUnavailableError';
}
