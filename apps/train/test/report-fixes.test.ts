import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import { compareVariants } from '../src/training/compare.js';
import { MetricsLog } from '../src/report/metrics-log.js';
import { cli } from './cli-helper.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('compare --resume (issue 15.6)', () => {
  it('reports the logged training speed of a run that had finished before the resume, not 0 tokens/s', async () => {
    const rng = new Rng(7);
    const ids = (n: number) => Int32Array.from({ length: n }, () => rng.int(20));
    const words = Array.from({ length: 20 }, (_, i) => `w${i}`);
    const data = {
      source: 'random',
      vocab: 20,
      unkId: 0,
      words,
      clean: { train: ids(2000), valid: ids(400), test: ids(400) },
    };
    const options = {
      variants: ['smoe-tiny'],
      seeds: [1],
      data,
      budget: { steps: 2, batch: 4, batchSplit: 1, lr: 1e-3, warmup: 1, evalEvery: 2, evalBatch: 4 },
      outDir: mkdtempSync(join(tmpdir(), 'cmp-')),
      modelOverrides: { dModel: 16, dHidden: 16, heads: 2, blockSize: 8, attnSpan: 8, experts: 4 },
    };
    const [first] = await compareVariants(options);
    const [resumed] = await compareVariants({ ...options, resume: true }); // nothing left to train
    const logged = new MetricsLog(join(options.outDir, 'smoe-tiny', 'seed-1', 'metrics.jsonl'))
      .read()
      .filter((r) => r.kind === 'train')
      .at(-1)!;
    expect(first!.tokensPerSecond).toBeGreaterThan(0);
    expect(resumed!.tokensPerSecond).toBe(logged.tokensPerSecond);
    expect(resumed!.ppl).toEqual(first!.ppl);
  }, 120_000);
});

describe('msmoe data wikitext on a terminal (issue 15.6)', () => {
  it('ends its progress line before an error or warning is printed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wt-'));
    writeFileSync(join(dir, 'wiki.train.tokens'), 'a b c\n'.repeat(2000));
    writeFileSync(join(dir, 'wiki.valid.tokens'), 'a b\n');
    // not UTF-8: fails mid-read
    writeFileSync(join(dir, 'wiki.test.tokens'), Buffer.from([0x61, 0x20, 0xff, 0xfe, 0x0a]));
    const written: string[] = [];
    const wasTTY = process.stderr.isTTY;
    process.stderr.isTTY = true;
    const write = vi
      .spyOn(process.stderr, 'write')
      .mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
    try {
      const r = await cli('data', 'wikitext', '--dir', dir);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/not valid UTF-8/);
    } finally {
      write.mockRestore();
      process.stderr.isTTY = wasTTY;
    }
    expect(written.join('')).toMatch(/\r[^\n]*reading[^\n]*\n$/); // the bar was drawn, then its line ended
  });
});
