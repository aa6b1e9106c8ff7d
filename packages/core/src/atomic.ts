/**
 * Crash-safe file writes: data goes to a temporary file in the same folder, is flushed to disk, then renamed over
 * the target, so a reader sees either the old file or the new one, never a torn write.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `data` to `file` atomically (temporary file, fsync, rename). Creates the folder if needed.
 * @example
 * ```ts
 * await writeFileAtomic('runs/a/checkpoint.safetensors', bytes);
 * ```
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (e) {
    await handle.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await handle.close();
  await rename(tmp, file);
}
