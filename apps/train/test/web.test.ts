import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng, parseSafetensors } from '@momentum-smoe/core';
import { cli } from './cli-helper.js';
import { TINY_CONFIG } from './tiny-run.js';

const CLI = new URL('../src/cli.ts', import.meta.url).pathname;

describe('msmoe web', () => {
  it('serves the built page with the models of a run on 127.0.0.1 and prints the URL (seed 6)', async () => {
    const data = mkdtempSync(join(tmpdir(), 'corpus-'));
    const rng = new Rng(6);
    const text = (lines: number) =>
      Array.from({ length: lines }, () => Array.from({ length: 6 }, () => `w${rng.int(12)}`).join(' ')).join('\n') +
      '\n';
    for (const split of ['train', 'valid', 'test'])
      writeFileSync(join(data, `${split}.txt`), text(split === 'train' ? 100 : 30));
    const dir = mkdtempSync(join(tmpdir(), 'web-run-'));
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...TINY_CONFIG, dropout: 0 }));
    // A compare-style run folder: <variant>/seed-<s>/ with best.safetensors and vocab.txt.
    const out = join(dir, 'run', 'momentum', 'seed-1');
    mkdirSync(out, { recursive: true });
    const t = await cli(
      'train',
      '--config',
      join(dir, 'model.json'),
      '--data',
      data,
      '--steps',
      '1',
      '--batch',
      '2',
      '--eval-every',
      '1',
      '--out',
      out,
      '--backend',
      'wasm',
    );
    expect(t.code, t.err).toBe(0);
    // A page folder with a build newer than its sources, so that nothing is built here (apps/web's own tests build
    // the real page; building it here too could race with turbo's build of apps/web/dist).
    const pageDir = join(dir, 'page');
    mkdirSync(join(pageDir, 'dist'), { recursive: true });
    writeFileSync(join(pageDir, 'index.html'), '<title>source</title>');
    writeFileSync(join(pageDir, 'dist', 'index.html'), '<title>MomentumSMoE in the browser</title>');
    utimesSync(join(pageDir, 'index.html'), new Date(2020, 0, 1), new Date(2020, 0, 1));
    const args = ['web', '--run', join(dir, 'run'), '--port', '0', '--page', pageDir];
    const child = spawn(process.execPath, ['--conditions=@momentum-smoe/source', '--import', 'tsx', CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((ok, fail) => {
        let text = '';
        child.stdout.on('data', (b: Buffer) => {
          text += b.toString();
          const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(text);
          if (m) ok(m[0]);
        });
        child.once('exit', (code) => fail(new Error(`msmoe web exited with ${code}`)));
      });
      const index = (await (await fetch(`${url}models/index.json`)).json()) as { name: string; url: string }[];
      expect(index).toEqual([{ name: 'momentum/seed-1', url: 'models/momentum/seed-1/' }]);
      expect(await (await fetch(`${url}models/momentum/seed-1/vocab.txt`)).text()).toBe(
        readFileSync(join(out, 'vocab.txt'), 'utf8'),
      );
      // The checkpoint without its optimiser moments: exactly its model/ tensors and its config.
      const served = parseSafetensors(
        new Uint8Array(await (await fetch(`${url}models/momentum/seed-1/best.safetensors`)).arrayBuffer()),
      );
      const file = parseSafetensors(readFileSync(join(out, 'best.safetensors')));
      expect([...served.tensors.keys()]).toEqual([...file.tensors.keys()].filter((k) => k.startsWith('model/')));
      for (const [k, t] of served.tensors) expect(Array.from(t.data)).toEqual(Array.from(file.tensors.get(k)!.data));
      expect(served.metadata.state).toBe(file.metadata.state);
      expect(await (await fetch(url)).text()).toContain('MomentumSMoE in the browser');
      expect((await fetch(`${url}models/momentum/seed-1/metrics.jsonl`)).status).toBe(404); // only what the page needs
      expect((await fetch(`${url}../../etc/passwd`)).status).toBe(404);
    } finally {
      child.kill('SIGTERM');
    }
  }, 300_000);

  it('names the fix for a run folder without models', async () => {
    const r = await cli('web', '--run', mkdtempSync(join(tmpdir(), 'empty-')));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /^msmoe web: --run .*: no best\.safetensors there or in <variant>\/seed-<s>\/ below it \(train first: msmoe\)$/,
    );
  });
});
