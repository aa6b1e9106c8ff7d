import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './cli-helper.js';
import { LM_CONFIG_FIELDS } from '@momentum-smoe/models';
import type { MetricsRecord } from '../src/report/metrics-log.js';
import { TINY_CONFIG } from './tiny-run.js';

describe('msmoe errors name the fix in one line', () => {
  it.each([
    [['trian'], 2, /unknown command 'trian'; did you mean 'msmoe train'\?/],
    [['train', '--preset', 'smoe-tinny'], 2, /unknown preset 'smoe-tinny'; did you mean 'smoe-tiny'\?/],
    [['train', '--presett', 'smoe-tiny'], 2, /unknown flag --presett; did you mean --preset\?/],
    [['train', '--preset', 'smoe-tiny', '--config', 'x.json'], 2, /exactly one of --preset NAME or --config/],
    [['train', '--preset', 'smoe-tiny', '--steps', 'ten'], 2, /--steps must be a positive integer, got 'ten'/],
    [['train', '--preset', 'smoe-tiny', '--data', '/no/such/dir'], 2, /--data \/no\/such\/dir: no such folder/],
    [['train', '--resume', '/no/such/run'], 2, /no run\.json there/],
    [
      ['eval', '--weights', '/no/w.safetensors', '--corpus', 'sotu', '--preset', 'smoe-tiny'],
      2,
      /--weights \/no\/w\.safetensors: no such file/,
    ],
    [['compare', '--variants', 'smoe,momentun'], 2, /unknown variant 'momentun'/],
    [
      ['train', '--preset', 'smoe-tiny', '--backend', 'gpu'],
      2,
      /--backend 'gpu' is not one of auto, tensorflow, webgpu, wasm, cpu/,
    ],
    [['data', 'wikitext', '--dir', '/no/such/corpus'], 1, /\/no\/such\/corpus/],
  ])('msmoe %j exits %i', async (argv, code, message) => {
    const r = await cli(...(argv as string[]));
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message as RegExp);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('prints help for every command', async () => {
    for (const c of ['train', 'eval', 'compare', 'bench', 'data']) {
      const r = await cli(c, '--help');
      expect(r.code, c).toBe(0);
      expect(r.out, c).toMatch(/usage: msmoe/);
    }
    expect((await cli('--help')).out).toMatch(/Commands:[\s\S]*train[\s\S]*compare/);
  });

  it('lists every model.json field of the config table under train --help, with its default', async () => {
    const help = (await cli('train', '--help')).out;
    for (const [key, spec] of Object.entries(LM_CONFIG_FIELDS) as [string, { json?: string }][]) {
      const name = spec.json ?? key;
      expect(help, name).toMatch(new RegExp(`^  ${name} `, 'm'));
    }
  });
});

describe('msmoe data wikitext', () => {
  it('--json counts lines and tokens (with <eos>) of a generated corpus', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wt-'));
    const text = { train: 'a b c\n\nb  c d\n', valid: 'a e\n', test: '\nf\n' };
    for (const [split, body] of Object.entries(text)) writeFileSync(join(dir, `wiki.${split}.tokens`), body);
    const r = await cli('data', 'wikitext', '--dir', dir, '--json');
    expect(r.code).toBe(0);
    // Independent count: whitespace tokens per line plus one <eos> per line; vocab = distinct words + <eos> + <unk>.
    const count = (s: string) =>
      s
        .split('\n')
        .slice(0, -1)
        .reduce((n, l) => n + l.split(/\s+/).filter(Boolean).length + 1, 0);
    const lines = (s: string) => s.split('\n').length - 1;
    expect(JSON.parse(r.out)).toEqual({
      vocab: new Set('a b c d e f'.split(' ')).size + 2,
      splits: Object.fromEntries(Object.entries(text).map(([k, v]) => [k, { lines: lines(v), tokens: count(v) }])),
    });
  });
});

describe('msmoe bench train-step', () => {
  it('prints tokens/s, step time and backend as JSON for a config file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-'));
    const config = { ...TINY_CONFIG, dropout: 0, vocab: 50 };
    writeFileSync(join(dir, 'model.json'), JSON.stringify(config));
    const r = await cli(
      'bench',
      'train-step',
      '--config',
      join(dir, 'model.json'),
      '--batch',
      '2',
      '--reps',
      '2',
      '--warmup',
      '1',
      '--backend',
      'wasm',
      '--json',
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { tokens_per_s: number; step_ms: number; backend: string };
    expect(j.backend).toBe('wasm');
    expect(j.tokens_per_s).toBeCloseTo((2 * 8) / (j.step_ms / 1000), 6);
  });
});

describe('the default run', () => {
  it('completes on a reduced budget and writes its report, plots and metrics', async () => {
    const out = mkdtempSync(join(tmpdir(), 'default-'));
    const r = await cli('--steps', '2', '--eval-tokens', '2100', '--out', out);
    expect(r.code, r.err).toBe(0);
    for (const v of ['smoe-tiny', 'momentum-smoe-tiny', 'adam-smoe-tiny']) {
      expect(r.out).toMatch(
        new RegExp(`\\| ${v} +\\| \\d+\\.\\d\\d +\\| \\d+\\.\\d\\d +\\| \\d+\\.\\d\\d +\\| \\d+\\.\\d\\d`),
      );
      const log = readFileSync(join(out, v, 'seed-1', 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n');
      expect(log.filter((l) => (JSON.parse(l) as MetricsRecord).kind === 'train')).toHaveLength(2);
    }
    for (const f of ['report.md', 'loss.svg', 'valid-ppl.svg', 'results.json', 'expert-load-momentum-smoe-tiny.svg'])
      expect(existsSync(join(out, f)), f).toBe(true);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/attacked test PPL/);
  }, 600_000);
});
