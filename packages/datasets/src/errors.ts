/**
 * Typed errors of the datasets package. It depends on nothing of ours, so it has its own base class,
 * shaped like core's errors: the message names the file or directory at fault and the fix.
 * @module
 */

/**
 * A data set could not be read or used: a missing file, a malformed file, a bad option.
 * `path` names the file or directory concerned, when there is one.
 * @example
 * ```ts
 * throw new DatasetError('no WikiText files found; expected train.txt, valid.txt, test.txt', '/data/wt103');
 * ```
 */
export class DatasetError extends Error {
  override name = 'DatasetError';
  constructor(
    message: string,
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super(path === undefined ? message : `${path}: ${message}`, options);
  }
}
