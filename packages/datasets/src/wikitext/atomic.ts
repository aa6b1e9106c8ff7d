/**
 * Atomic file and directory writes: write beside the target under a unique temporary name, then rename,
 * so a reader sees the old content or the new, never half a file.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A unique sibling path of `target` for a temporary file or directory. */
export function temporarySibling(target: string): string {
  return `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/**
 * Writes `parts` one after the other into `file`, atomically. Creates the parent directory.
 * @example
 * ```ts
 * await writeFileAtomic('cache/corpus.bin', [header, body]);
 * ```
 */
export async function writeFileAtomic(file: string, parts: Iterable<Uint8Array>): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = temporarySibling(file);
  try {
    const handle = await open(temp, 'w');
    try {
      for (const part of parts) {
        let done = 0;
        while (done < part.byteLength) done += (await handle.write(part, done, part.byteLength - done)).bytesWritten;
      }
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
