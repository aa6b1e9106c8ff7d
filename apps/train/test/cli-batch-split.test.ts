import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './cli-helper.js';
import type { VisionRunFile } from '../src/commands/run-file.js';

describe('msmoe train --batch-split for vision presets', () => {
  it('rejects a split that does not divide the batch, naming both flags', async () => {
    const r = await cli('train', '--preset', 'vmoe-mnist', '--corpus', 'mnist', '--batch', '8', '--batch-split', '3');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--batch 8 must be divisible by --batch-split 3/);
  });

  it('trains with accumulation and records the split in run.json', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'vision-split-')), 'run');
    const flags = [
      '--corpus',
      'mnist',
      '--steps',
      '2',
      '--batch',
      '8',
      '--batch-split',
      '2',
      '--out',
      out,
      '--backend',
      'wasm',
    ];
    const t = await cli('train', '--preset', 'vmoe-mnist', ...flags);
    expect(t.code, t.err).toBe(0);
    expect((JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as VisionRunFile).run.batchSplit).toBe(2);
  }, 120_000);
});
