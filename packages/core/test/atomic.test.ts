import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listSome, makeDirectory, removeStaleTempFiles, writeFileAtomic } from '@momentum-smoe/core';

const errno = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return (e as NodeJS.ErrnoException).code;
  }
  return undefined;
};

describe('makeDirectory', () => {
  it('creates missing parents and accepts an existing folder', () => {
    const root = mkdtempSync(join(tmpdir(), 'mkdir-'));
    makeDirectory(join(root, 'a', 'b', 'c'));
    expect(statSync(join(root, 'a', 'b', 'c')).isDirectory()).toBe(true);
    makeDirectory(join(root, 'a', 'b'));
  });

  it('fails at once under /proc, where recursive mkdir of Node 20 never returns', () => {
    if (!existsSync('/proc/self')) return; // Linux only
    expect(errno(() => makeDirectory('/proc/msmoe-no-such/run'))).toBe('ENOENT');
  });

  it('names a file in the way as ENOTDIR with its path', () => {
    const root = mkdtempSync(join(tmpdir(), 'mkdir-'));
    writeFileSync(join(root, 'file'), 'x');
    let error: NodeJS.ErrnoException | undefined;
    try {
      makeDirectory(join(root, 'file', 'run'));
    } catch (e) {
      error = e as NodeJS.ErrnoException;
    }
    expect(error?.code).toBe('ENOTDIR');
    expect(error?.path).toBe(join(root, 'file'));
  });
});

describe('temporary files of interrupted atomic writes', () => {
  it("removes a dead process's leftovers and keeps live ones and other files", () => {
    const dir = mkdtempSync(join(tmpdir(), 'tmpfiles-'));
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    const names = [
      `.best.safetensors.${dead}.0123abcd.tmp`, // an interrupted write of a process that has exited
      `.last.safetensors.${process.pid}.89abcdef.tmp`, // this process: a write may be in progress
      `.last.safetensors.1.89abcdef.tmp`, // pid 1 is alive
      'best.safetensors',
      'notes.tmp',
    ];
    for (const n of names) writeFileSync(join(dir, n), 'x');
    expect(removeStaleTempFiles(dir)).toEqual([names[0]]);
    expect(readdirSync(dir).sort()).toEqual(names.slice(1).sort());
    expect(removeStaleTempFiles(join(dir, 'missing'))).toEqual([]);
  });

  it('a failed write removes its temporary file and leaves the target as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
    mkdirSync(join(dir, 'target', 'inside'), { recursive: true }); // renaming a file over a non-empty folder fails
    await expect(writeFileAtomic(join(dir, 'target'), 'data')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['target']);
    expect(readdirSync(join(dir, 'target'))).toEqual(['inside']);
  });
});

describe('listSome', () => {
  it('lists at most `max` items and counts the rest', () => {
    expect(listSome(['a', 'b'], 3)).toBe('a, b');
    expect(listSome(['a', 'b', 'c', 'd', 'e'], 3)).toBe('a, b, c and 2 more');
    expect(listSome(['w [1, 2]', 'v [3]', 'u [4]'], 2, '; ')).toBe('w [1, 2]; v [3] and 1 more');
  });
});
