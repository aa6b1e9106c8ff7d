/**
 * safetensors files on disk (Node): read and write through the byte-level functions of safetensors-bytes.ts.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic.js';
import { FileFormatError } from './errors.js';
import { parseSafetensors, serializeSafetensors, type Safetensors, type TensorData } from './safetensors-bytes.js';

export { parseSafetensors, serializeSafetensors, type Safetensors, type TensorData } from './safetensors-bytes.js';

/**
 * Reads a safetensors file.
 * @example
 * ```ts
 * const { tensors } = await readSafetensors('model.safetensors');
 * tensors.get('in_emb.weight')?.shape; // [V, H]
 * ```
 */
export async function readSafetensors(file: string): Promise<Safetensors> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new FileFormatError(file, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseSafetensors(bytes, file);
}

/** Writes a safetensors file atomically (temporary file, then rename). */
export async function writeSafetensors(
  file: string,
  tensors: Map<string, TensorData>,
  metadata: Record<string, string> = {},
): Promise<void> {
  await writeFileAtomic(file, serializeSafetensors(tensors, metadata));
}
