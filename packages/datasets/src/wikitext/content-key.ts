/**
 * The cache key of a corpus: a SHA-256 over a format tag, the options that change the ids, and each
 * split's size and bytes. Any changed byte, even with the size unchanged, gives a new key.
 * @module
 */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';

/**
 * Hashes `files` (streamed) with a `tag` naming the format and options.
 * @param onBytes called after each chunk with the bytes hashed so far, over all files.
 */
export async function contentKey(
  tag: string,
  files: readonly string[],
  onBytes?: (bytes: number) => void,
): Promise<Buffer> {
  const hash = createHash('sha256');
  hash.update(`${tag}\n`);
  const buf = Buffer.allocUnsafe(8 << 20);
  let total = 0;
  for (const file of files) {
    const { size } = await stat(file);
    hash.update(`${size}\n`);
    const handle = await open(file, 'r');
    try {
      for (;;) {
        const { bytesRead } = await handle.read(buf, 0, buf.length, null);
        if (bytesRead === 0) break;
        hash.update(buf.subarray(0, bytesRead));
        total += bytesRead;
        onBytes?.(total);
      }
    } finally {
      await handle.close();
    }
  }
  return hash.digest();
}
