import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { loadCheckpoint } from '../src/training/checkpoint.js';
import { interruptSignal } from '../src/training/interrupt.js';
import { tinySetup, tinyTrain } from './tiny-run.js';

const app = join(dirname(fileURLToPath(import.meta.url)), '..');
const trainLines = (file: string) =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.includes('"kind":"train"')).length
    : 0;

describe('Ctrl-C (issue 15.3)', () => {
  it('a real SIGINT stops msmoe train after the current step with a checkpoint and status 130, within seconds', async () => {
    const { root, data, config } = tinySetup();
    const out = join(root, 'run');
    // A run far longer than the test, checkpointing only at its (never reached) first evaluation.
    const argv = tinyTrain(config, data, out).map((a, i, all) =>
      all[i - 1] === '--steps' || all[i - 1] === '--eval-every' ? '100000' : a,
    );
    const child = spawn(
      process.execPath,
      ['--conditions=@momentum-smoe/source', '--import', 'tsx', 'src/cli.ts', ...argv],
      {
        cwd: app,
        env: { ...process.env, MSMOE_CACHE: join(root, 'cache') },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
      child.on('exit', (code) => resolve({ code, at: performance.now() })),
    );
    const metrics = join(out, 'metrics.jsonl');
    for (let waited = 0; trainLines(metrics) < 3; waited += 100) {
      if (waited > 100_000) throw new Error(`the run did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const sent = performance.now();
    child.kill('SIGINT');
    const { code, at } = await exited;
    expect(code, stderr).toBe(130);
    // before the fix: never (the handler waited for a checkpoint at step 100000)
    expect(at - sent).toBeLessThan(15_000);
    expect(stdout).toMatch(new RegExp(`interrupted after a checkpoint; continue with: msmoe train --resume ${out}`));
    const steps = trainLines(metrics);
    expect((await loadCheckpoint<{ step: number }>(join(out, 'last.safetensors'))).state.step).toBe(steps);
  }, 180_000);

  it('the handler runs once and removes itself, so a second Ctrl-C gets the default action (exit at once)', () => {
    let handler: (() => void) | undefined;
    const once = vi.spyOn(process, 'once').mockImplementation(((event: string, h: () => void) => {
      if (event === 'SIGINT') handler = h;
      return process;
    }) as typeof process.once);
    const on = vi.spyOn(process, 'on');
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const signal = interruptSignal();
      expect(interruptSignal()).toBe(signal); // one handler however many commands ask
      expect(once).toHaveBeenCalledTimes(1);
      handler!();
      expect(signal.aborted).toBe(true);
      expect(on.mock.calls.filter(([e]) => e === 'SIGINT')).toEqual([]); // no second listener that would need JS to run
    } finally {
      vi.restoreAllMocks();
    }
  });
});
