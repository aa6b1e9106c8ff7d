import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './cli-helper.js';
import type { MetricsRecord } from '../src/report/metrics-log.js';

describe('msmoe train / eval for vision presets', () => {
  it('trains momentum-vmoe-mnist on the embedded digits, resumes, and evaluates the best checkpoint', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'vision-')), 'run');
    const t = await cli(
      'train',
      '--preset',
      'momentum-vmoe-mnist',
      '--corpus',
      'mnist',
      '--steps',
      '4',
      '--batch',
      '8',
      '--eval-every',
      '2',
      '--out',
      out,
      '--backend',
      'wasm',
    );
    expect(t.code, t.err).toBe(0);
    expect(t.out).toMatch(/best top-1 \d+\.\d\d%/);
    const evals = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as MetricsRecord)
      .filter((r) => r.kind === 'eval');
    expect(evals.map((r) => r.step)).toEqual([2, 4]);
    const r = await cli('train', '--resume', out, '--backend', 'wasm');
    expect(r.code, r.err).toBe(0);
    const e = await cli(
      'eval',
      '--weights',
      join(out, 'best.safetensors'),
      '--corpus',
      'mnist',
      '--robustness',
      'off',
      '--json',
      '--backend',
      'wasm',
    );
    expect(e.code, e.err).toBe(0);
    const result = JSON.parse(e.out) as { clean: { top1: number; top5: number; count: number } };
    const best = Math.max(...evals.map((x) => x.top1 as number));
    expect(result.clean.top1).toBeCloseTo(best, 6);
    expect(result.clean.top5).toBeGreaterThanOrEqual(result.clean.top1);
  }, 300_000);

  it('rejects a language corpus for a vision preset, naming both', async () => {
    const r = await cli('train', '--preset', 'vmoe-mnist', '--corpus', 'sotu');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--corpus sotu does not fit --preset vmoe-mnist/);
  });
});
