/**
 * Run-folder safety: a new run never writes into a folder that already holds files unless the user says
 * `--overwrite`; output and cache folders are proven writable (a probe write) before any training; and a file-system
 * error becomes one line naming the path and the fix.
 * @module
 */
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listSome, makeDirectory, removeStaleTempFiles } from '@momentum-smoe/core';
import { UsageError } from '../args.js';
import { VOCAB_FILE } from '../data/run-models.js';
import { BEST_CHECKPOINT, LAST_CHECKPOINT } from './run-options.js';

/** The files `msmoe` writes into a run (or comparison) folder; `--overwrite` removes exactly these. */
const RUN_FILES = [
  'run.json',
  'metrics.jsonl',
  VOCAB_FILE,
  LAST_CHECKPOINT,
  BEST_CHECKPOINT,
  'report.md',
  'results.json',
  'loss.svg',
  'valid-ppl.svg',
];
const isRunFile = (name: string) => RUN_FILES.includes(name) || /^expert-load-.+\.svg$/.test(name);

const REASONS: Record<string, [reason: string, fix: string]> = {
  EACCES: ['permission denied', 'choose a folder you can write to, or fix its permissions'],
  EPERM: ['operation not permitted', 'choose a folder you can write to, or fix its permissions'],
  EROFS: ['read-only file system', 'choose a folder on a writable file system'],
  ENOSPC: ['no space left on the device', 'free some space or choose a folder on another disk'],
  EDQUOT: ['disk quota exceeded', 'free some space or choose a folder on another disk'],
  ENOENT: ['no such file or folder (or it cannot be created there)', 'check the path'],
  ENOTDIR: ['a file is in the way of a folder', 'move that file or choose another path'],
  EISDIR: ['it is a folder', 'choose a file path'],
  EMFILE: ['too many open files', 'raise the limit (ulimit -n) or close other programs'],
  EIO: ['input/output error', 'check the disk'],
  ENOTEMPTY: ['a folder is in the way', 'move that folder or choose another path'],
};

/** The cause of a file-system error in words with its code (`no space left on the device (ENOSPC)`), if known. */
export function errnoReason(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException)?.code;
  const known = code === undefined ? undefined : REASONS[code];
  return known ? `${known[0]} (${code})` : undefined;
}

/**
 * One line for a file-system error (`EACCES`, `EROFS`, `ENOSPC`, `ENOENT`, …) that names the path and the fix, or
 * `undefined` for any other error. `fix` replaces the generic advice (e.g. the flag that sets the path).
 */
export function fileSystemProblem(error: unknown, fix?: string): string | undefined {
  const e = error as NodeJS.ErrnoException & { dest?: string };
  const reason = errnoReason(e);
  if (reason === undefined) return undefined;
  const verb = ['open', 'read', 'stat', 'scandir'].includes(e.syscall ?? '') ? 'use' : 'write';
  // A failed rename is about its target (the temporary file beside it is an implementation detail).
  const path = (e.syscall === 'rename' ? e.dest : e.path) ?? e.path ?? '(unknown path)';
  return `cannot ${verb} ${path}: ${reason}; ${fix ?? REASONS[e.code!]![1]}`;
}

/**
 * Proves that `dir` can be created and written (a 1 MiB probe file, written and removed), so that a read-only,
 * full or impossible folder is reported before training instead of at the first checkpoint.
 * @throws UsageError naming `what` (e.g. `--out runs/a`), the path and `fix`.
 */
export function probeWritable(command: string, what: string, dir: string, fix?: string): void {
  const probe = join(dir, `.msmoe-probe-${process.pid}`);
  try {
    makeDirectory(dir);
    writeFileSync(probe, new Uint8Array(1 << 20));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOSPC') rmSync(probe, { force: true }); // a partial probe
    throw new UsageError(`msmoe ${command}: ${what}: ${fileSystemProblem(e, fix) ?? (e as Error).message}`);
  }
  rmSync(probe, { force: true });
}

/** The entries of `dir`, or `[]` when it does not exist; a file at `dir` is an error naming the flag. */
function entries(command: string, flag: string, dir: string): string[] {
  try {
    if (!statSync(dir).isDirectory()) {
      throw new UsageError(`msmoe ${command}: ${flag} ${dir} is a file, not a folder; choose another ${flag}`);
    }
    return readdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return []; // nothing there to lose; the probe write names the problem
    throw e;
  }
}

/**
 * Refuses to start a new run in a folder that already holds files (a run that could be lost), unless `overwrite`;
 * `resumeHint` is the command that would continue what is there. Changes nothing on disk.
 */
export function checkNewRunFolder(command: string, dir: string, overwrite: boolean, resumeHint: string): void {
  const found = entries(command, '--out', dir);
  if (found.length === 0 || overwrite) return;
  throw new UsageError(
    `msmoe ${command}: --out ${dir} already holds files (${listSome(found.sort())}); continue that run with ` +
      `'${resumeHint}', choose another --out, or add --overwrite to replace it`,
  );
}

/**
 * Removes what earlier runs wrote into `dir` (the files `msmoe` writes, in `dir` and in its `<variant>/seed-<n>`
 * folders, and stale temporary files), for `--overwrite`. Other files are left alone.
 */
export function clearRunFolder(dir: string): void {
  const folders = [dir];
  for (const variant of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const seed of readdirSync(join(dir, variant.name), { withFileTypes: true })) {
      if (seed.isDirectory() && /^seed-\d+$/.test(seed.name)) folders.push(join(dir, variant.name, seed.name));
    }
  }
  for (const folder of folders) {
    removeStaleTempFiles(folder);
    for (const name of readdirSync(folder)) if (isRunFile(name)) rmSync(join(folder, name), { force: true });
  }
}
