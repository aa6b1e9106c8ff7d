import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './cli-helper.js';
import type { MetricsRecord } from '../src/report/metrics-log.js';
import { TINY_CONFIG, writeCorpus } from './tiny-run.js';

describe('msmoe train → msmoe eval', () => {
  it('eval of the best checkpoint reproduces the validation loss the run logged, and resume continues the run', async () => {
    const data = mkdtempSync(join(tmpdir(), 'corpus-'));
    writeCorpus(data, 3);
    const dir = mkdtempSync(join(tmpdir(), 'run-'));
    const config = TINY_CONFIG;
    writeFileSync(join(dir, 'model.json'), JSON.stringify(config));
    const out = join(dir, 'run');
    const common = ['--backend', 'wasm'];
    const t = await cli(
      'train',
      '--config',
      join(dir, 'model.json'),
      '--data',
      data,
      '--steps',
      '3',
      '--batch',
      '4',
      '--eval-every',
      '3',
      '--out',
      out,
      ...common,
    );
    expect(t.code, t.err).toBe(0);
    const valid = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as MetricsRecord)
      .filter((r) => r.kind === 'valid');
    expect(valid).toHaveLength(1);
    const e = await cli(
      'eval',
      '--weights',
      join(out, 'best.safetensors'),
      '--data',
      data,
      '--split',
      'valid',
      '--batch',
      '4',
      '--json',
      ...common,
    );
    expect(e.code, e.err).toBe(0);
    const result = JSON.parse(e.out) as { loss: number; ppl: number; tokens: number };
    expect(result.loss).toBeCloseTo(valid[0]!.loss as number, 6);
    expect(result.ppl).toBeCloseTo(Math.exp(result.loss), 6);
    // Resuming a finished run without --steps is a no-op that still reports the best PPL (run-folder.test.ts extends
    // one with --steps).
    const r = await cli('train', '--resume', out, ...common);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/best valid PPL/);
  }, 300_000);
});
