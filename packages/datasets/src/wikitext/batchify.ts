/**
 * The official `_batchify`: a token stream cut into B contiguous streams.
 * @module
 */
import { DatasetError } from '../errors.js';

/** Token ids laid out as `[streams, length]`, row-major: stream `b` is `data[b*length, (b+1)*length)`. */
export interface Batchified {
  /** `[streams, length]` row-major. */
  data: Int32Array;
  /** B, the number of parallel streams. */
  streams: number;
  /** T, the number of tokens per stream. */
  length: number;
}

/**
 * Truncates `ids` to a multiple of `streams` and reshapes it to `[streams, T]`, `T = floor(n / streams)`,
 * exactly as the official `_batchify` (`narrow` then `view(B, -1)`). The result shares `ids`' memory.
 * @example
 * ```ts
 * batchify(Int32Array.from([0, 1, 2, 3, 4, 5, 6]), 2); // data [0, 1, 2, 3, 4, 5], length 3
 * ```
 */
export function batchify(ids: Int32Array, streams: number): Batchified {
  if (!Number.isInteger(streams) || streams <= 0)
    throw new DatasetError(`batchify: streams must be a positive integer, got ${streams}`);
  const length = Math.floor(ids.length / streams);
  if (length === 0)
    throw new DatasetError(
      `batchify: ${ids.length} tokens cannot fill ${streams} streams; use fewer streams or more text`,
    );
  return { data: ids.subarray(0, streams * length), streams, length };
}
