/**
 * Crash-safe file writes: data goes to a temporary file in the same folder, is flushed to disk, then renamed over
 * the target, so a reader sees either the old file or the new one, never a torn write. A process killed between the
 * two leaves its temporary file behind; {@link removeStaleTempFiles} deletes such leftovers of dead processes.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, parse, resolve } from 'node:path';

/** `.<target>.<pid>.<8 hex>.tmp`: the temporary file {@link writeFileAtomic} writes beside its target. */
const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/**
 * Creates `dir` and its missing parents, one level at a time. Unlike `mkdir(dir, { recursive: true })`, which on
 * Node 20 loops forever under `/proc`, this fails at once with the system's error (`ENOENT`, `EACCES`, `EROFS`, …)
 * for the first level that cannot be created, naming that path.
 * @example
 * ```ts
 * makeDirectory('runs/a/seed-1');
 * ```
 */
export function makeDirectory(dir: string): void {
  const absolute = resolve(dir);
  const missing: string[] = [];
  for (let d = absolute; d !== parse(d).root; d = dirname(d)) {
    let isDir: boolean | undefined;
    try {
      isDir = statSync(d).isDirectory();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e; // ENOTDIR: a file further up, found below
    }
    if (isDir === false) notADirectory(d);
    if (isDir) break;
    missing.push(d);
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(d).isDirectory()) throw e;
    }
  }
}

function notADirectory(path: string): never {
  const e = new Error(`ENOTDIR: not a directory, mkdir '${path}'`) as NodeJS.ErrnoException;
  Object.assign(e, { code: 'ENOTDIR', syscall: 'mkdir', path });
  throw e;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by someone else
  }
}

/**
 * Deletes the temporary files that interrupted {@link writeFileAtomic} calls left in `dir` (those of processes that
 * no longer run; a write in progress elsewhere is left alone). Returns the names removed. A missing folder is fine.
 */
export function removeStaleTempFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    // Another live process's write, or this process's own, may be in progress.
    if (!m || Number(m[1]) === process.pid || processAlive(Number(m[1]))) continue;
    rmSync(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}

/**
 * Writes `data` to `file` atomically (temporary file, fsync, rename). Creates the folder if needed. On any failure
 * (a full disk, say) the temporary file is removed and the previous `file` is left as it was.
 * @example
 * ```ts
 * await writeFileAtomic('runs/a/checkpoint.safetensors', bytes);
 * ```
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const dir = dirname(file);
  makeDirectory(dir);
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    await rename(tmp, file);
  } catch (e) {
    await handle.close().catch(() => undefined); // already closed when the rename failed
    await rm(tmp, { force: true });
    throw e;
  }
}
