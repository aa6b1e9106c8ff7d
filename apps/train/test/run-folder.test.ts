import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './cli-helper.js';
import { tinySetup, tinyTrain, writeCorpus } from './tiny-run.js';
import { fileSystemProblem } from '../src/training/run-folder.js';
import type { RunFile } from '../src/commands/run-file.js';

const lines = (s: string) => s.trim().split('\n');
const runFile = (dir: string) => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunFile;
const snapshot = (dir: string) => Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]));

describe('a run folder is never overwritten silently (issue 15.2)', () => {
  it('a second run into a finished run folder is refused and leaves it untouched; --overwrite replaces it', async () => {
    const { root, data, config } = tinySetup();
    const out = join(root, 'run');
    const first = await cli(...tinyTrain(config, data, out));
    expect(first.code, first.err).toBe(0);
    const before = snapshot(out);

    const again = await cli(...tinyTrain(config, data, out, '--seed', '2'));
    expect(again.code).toBe(2);
    expect(lines(again.err).at(-1)).toMatch(
      new RegExp(
        `--out ${out} already holds files \\(best\\.safetensors, last\\.safetensors, metrics\\.jsonl and 2 more\\); ` +
          `continue that run with 'msmoe train --resume ${out}', choose another --out, or add --overwrite`,
      ),
    );
    expect(snapshot(out)).toEqual(before);

    const over = await cli(...tinyTrain(config, data, out, '--seed', '2', '--overwrite'));
    expect(over.code, over.err).toBe(0);
    expect(runFile(out).run.seed).toBe(2);
    expect(readFileSync(join(out, 'metrics.jsonl'))).not.toEqual(before['metrics.jsonl']);
  }, 120_000);

  it('a run that cannot start (data too short) fails before it touches the folder, even with --overwrite', async () => {
    const { root, data, config } = tinySetup();
    const out = join(root, 'run');
    expect((await cli(...tinyTrain(config, data, out))).code).toBe(0);
    const before = snapshot(out);
    const short = join(root, 'short');
    mkdirSync(short);
    writeCorpus(short, 4, 3); // three training lines: too few for 4 streams of 2 blocks of 8 tokens
    const r = await cli(...tinyTrain(config, short, out, '--overwrite'));
    expect(r.code).toBe(2);
    expect(lines(r.err).at(-1)).toMatch(
      /the training split has \d+ tokens, too few for 4 streams of 8-token blocks \(needs at least 64\); use a smaller --batch/,
    );
    expect(snapshot(out)).toEqual(before);
  }, 120_000);
});

describe('compare and the default run protect their folder too (issue 15.2)', () => {
  it.each([['compare'], []])(
    'msmoe %j --out DIR refuses a folder that holds files, before loading anything',
    async (...command) => {
      const { root } = tinySetup();
      const r = await cli(...(command as string[]), '--out', root, '--steps', '1');
      expect(r.code).toBe(2);
      expect(lines(r.err)).toEqual([
        expect.stringMatching(
          /--out .* already holds files \(corpus-\w+, model\.json\); continue that run with 'msmoe (compare )?--resume .*', choose another --out, or add --overwrite/,
        ),
      ]);
    },
  );
});

describe('file-system problems are one line naming the path and the fix, before training (issue 15.5)', () => {
  it('--out under /proc fails at once instead of looping in mkdir', async () => {
    if (!existsSync('/proc/self')) return;
    const { data, config } = tinySetup();
    const r = await cli(...tinyTrain(config, data, '/proc/msmoe-no-such/run'));
    expect(r.code).toBe(2);
    expect(lines(r.err)).toEqual([
      expect.stringMatching(
        /^msmoe train: --out \/proc\/msmoe-no-such\/run: cannot write \/proc\/msmoe-no-such: .*\(ENOENT\); choose another --out$/,
      ),
    ]);
  });

  it('an --out path through a file, and an unwritable cache folder, name the path and the fix', async () => {
    const { root, data, config } = tinySetup();
    writeFileSync(join(root, 'file'), 'x');
    const r = await cli(...tinyTrain(config, data, join(root, 'file', 'run')));
    expect(r.code).toBe(2);
    expect(lines(r.err)).toEqual([
      expect.stringMatching(
        new RegExp(
          `cannot write ${join(root, 'file')}: a file is in the way of a folder \\(ENOTDIR\\); choose another --out$`,
        ),
      ),
    ]);
    process.env.MSMOE_CACHE = join(root, 'file', 'cache');
    try {
      const c = await cli(...tinyTrain(config, data, join(root, 'run')));
      expect(c.code).toBe(2);
      expect(lines(c.err)).toEqual([
        expect.stringMatching(/the cache folder: cannot write .*\(ENOTDIR\); set MSMOE_CACHE to a writable folder/),
      ]);
    } finally {
      delete process.env.MSMOE_CACHE;
    }
  });

  it('EACCES, EROFS and ENOSPC read as their cause with a fix (root cannot provoke them here, so the errors are built)', () => {
    const error = (code: string, syscall: string, path: string) =>
      Object.assign(new Error(code), { code, syscall, path });
    expect(fileSystemProblem(error('EACCES', 'mkdir', '/srv/runs'))).toBe(
      'cannot write /srv/runs: permission denied (EACCES); choose a folder you can write to, or fix its permissions',
    );
    expect(fileSystemProblem(error('EROFS', 'open', '.cache/msmoe/x'))).toBe(
      'cannot use .cache/msmoe/x: read-only file system (EROFS); choose a folder on a writable file system',
    );
    expect(fileSystemProblem(error('ENOSPC', 'write', 'runs/a/.last.tmp'))).toBe(
      'cannot write runs/a/.last.tmp: no space left on the device (ENOSPC); ' +
        'free some space or choose a folder on another disk',
    );
    expect(fileSystemProblem(new Error('other'))).toBeUndefined();
  });
});

describe('--resume (issue 15.6)', () => {
  it('rejects flags it would ignore, extends a finished run with --steps, and resumes from another working folder', async () => {
    const { root, data, config } = tinySetup();
    const out = join(root, 'run');
    // A relative --data path, as a user types it: run.json must store it absolute.
    const cwd = process.cwd();
    process.chdir(root);
    try {
      expect((await cli(...tinyTrain(config, relative(root, data), out))).code).toBe(0);
    } finally {
      process.chdir(cwd);
    }
    expect(runFile(out).data.dir).toBe(data);

    const ignored = await cli('train', '--resume', out, '--lr', '0.1', '--batch', '2');
    expect(ignored.code).toBe(2);
    expect(lines(ignored.err)).toEqual([
      expect.stringMatching(/--resume takes the run's settings from .*run\.json; drop --lr, --batch \(only --steps/),
    ]);

    const shorter = await cli('train', '--resume', out, '--steps', '1');
    expect(shorter.code).toBe(2);
    expect(shorter.err).toMatch(/--steps 1 is below the run's 2 steps/);

    const extended = await cli('train', '--resume', out, '--steps', '4', '--backend', 'wasm');
    expect(extended.code, extended.err).toBe(0);
    const log = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step: number; kind: string });
    expect(log.filter((r) => r.kind === 'train').map((r) => r.step)).toEqual([1, 2, 3, 4]);
    expect(runFile(out).run.steps).toBe(4);
  }, 120_000);

  it('an invalid run.json is one line naming the file', async () => {
    const { root } = tinySetup();
    const out = join(root, 'run');
    mkdirSync(out);
    writeFileSync(join(out, 'run.json'), '{"run": {"model": ');
    const r = await cli('train', '--resume', out);
    expect(r.code).toBe(2);
    expect(lines(r.err)).toEqual([expect.stringMatching(new RegExp(`${join(out, 'run.json')} is not valid JSON`))]);
    writeFileSync(join(out, 'run.json'), '{"data": {}}');
    expect((await cli('train', '--resume', out)).err).toMatch(/run\.json has no "run" object/);
  });
});

describe('numbers (issue 15.6)', () => {
  it.each([
    [['train', '--preset', 'smoe-tiny', '--steps', '-1'], /--steps must be a positive integer, got '-1'/],
    [['train', '--preset', 'smoe-tiny', '--lr', '-0.5'], /--lr must be a non-negative number, got '-0.5'/],
    [
      ['--eval-tokens', '100', '--steps', '1'],
      /--eval-tokens gives 100 tokens, too few for 16 streams of 64-token blocks \(needs at least 1,040\); raise --eval-tokens/,
    ],
  ])('msmoe %j is one line saying what the number must be, before any training', async (argv, message) => {
    const r = await cli(...(argv as string[]));
    expect(r.code).toBe(2);
    expect(lines(r.err)).toEqual([expect.stringMatching(message as RegExp)]);
  });
});
