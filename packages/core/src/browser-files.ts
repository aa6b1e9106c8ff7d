/**
 * The file functions of `@momentum-smoe/core` in a browser build: same names and signatures as the Node ones, so
 * that code written for both bundles, but they throw, since a page has no file system. Pages fetch the bytes and
 * use `parseSafetensors` / `serializeSafetensors`.
 * @module
 */
import { FileFormatError } from './errors.js';
import type { Safetensors, TensorData } from './safetensors-bytes.js';

const HINT = 'file access needs Node; in a browser, fetch the bytes and use parseSafetensors / serializeSafetensors';

/** Browser build: always rejects with a `FileFormatError` naming `file` (there is no file system). */
export async function readSafetensors(file: string): Promise<Safetensors> {
  throw new FileFormatError(file, HINT);
}

/** Browser build: always rejects with a `FileFormatError` naming `file` (there is no file system). */
export async function writeSafetensors(
  file: string,
  _tensors: Map<string, TensorData>,
  _metadata?: Record<string, string>,
): Promise<void> {
  throw new FileFormatError(file, HINT);
}

/** Browser build: always rejects with a `FileFormatError` naming `file` (there is no file system). */
export async function writeFileAtomic(file: string, _data: string | Uint8Array): Promise<void> {
  throw new FileFormatError(file, HINT);
}
