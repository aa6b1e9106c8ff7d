/**
 * The built page in Debian's headless Chromium: models trained in Node for a few steps give in the page the Node
 * log-probabilities (wasm, within 1e-5), the same generated text for the same seed, the same layer reports; the
 * backend is asserted, the wasm fallback is detected, and a screenshot is written to artifacts/page.png.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import * as tf from '@tensorflow/tfjs';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@momentum-smoe/core';
import { Vocabulary, idsToText, textToWords, wordsToIds } from '@momentum-smoe/datasets';
import {
  type SmoeLanguageModel,
  disposeLayerReports,
  generateTokens,
  readLayerReports,
  type LmLayerValues,
} from '@momentum-smoe/models';
import type { MsmoeApi } from '../src/api.js';
import { launchChromium } from './chromium.js';
import { WORDS, trainTiny, writeRun } from './fixtures.js';
import { serve } from './static-server.js';

const ROOT = new URL('..', import.meta.url).pathname;
const TEXT = 'w1 w2 w3 w4 w5 w6 w7 w8 w9 w10\nw11 w3 w5 w7 zebra w2 w4 w6\nw8 w9 w1';
const base = {
  layers: 2,
  hidden: 16,
  inner: 16,
  heads: 2,
  blockSize: 8,
  attnSpan: 8,
  experts: 4,
  topK: 2,
  dropout: 0,
  vocab: WORDS.length,
};
const MODELS = { 'momentum/seed-1': { ...base, arch: 'smsm' }, 'adam/seed-1': { ...base, arch: 'sasa' } } as const;

let server: Server;
let browser: Browser;
let page: Page;
let url: string;
let runs: string;
const trained = new Map<string, SmoeLanguageModel>();

declare const msmoe: MsmoeApi;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  const work = mkdtempSync(join(tmpdir(), 'web-'));
  runs = join(work, 'runs');
  let i = 0;
  for (const [name, config] of Object.entries(MODELS)) {
    const model = trainTiny(config, 11 + i);
    trained.set(name, model);
    await writeRun(join(runs, name), model, i++ === 0 ? 'checkpoint' : 'official');
  }
  writeFileSync(
    join(runs, 'index.json'),
    JSON.stringify(Object.keys(MODELS).map((name) => ({ name, url: `models/${name}/` }))),
  );
  const out = join(work, 'dist');
  await build({ root: ROOT, logLevel: 'warn', build: { outDir: out, emptyOutDir: true } });
  ({ server, url } = await serve({ '/models/': runs, '/': out }));
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.evaluate(() => msmoe.ready);
  expect(errors).toEqual([]);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
  for (const m of trained.values()) m.dispose();
});

/** Node's reference: target log-probs and layer reports of `ids`, block by block with the cache carried. */
async function nodeScore(
  model: SmoeLanguageModel,
  ids: Int32Array,
): Promise<{ logProbs: number[]; blocks: LmLayerValues[][] }> {
  const m = model.config.blockSize;
  const v = model.config.vocab;
  let cache = model.initCache(1);
  const logProbs: number[] = [];
  const blocks: LmLayerValues[][] = [];
  for (let start = 0; start < ids.length - 1; start += m) {
    const chunk = ids.subarray(start, Math.min(start + m, ids.length - 1));
    const x = tf.tensor2d(chunk, [1, chunk.length], 'int32');
    const out = model.forward(x, cache);
    const lp = out.logProbs.dataSync();
    chunk.forEach((_, i) => logProbs.push(lp[i * v + ids[start + i + 1]!]!));
    blocks.push(await readLayerReports(out.layers));
    disposeLayerReports(out.layers);
    tf.dispose([x, out.logProbs, out.auxLoss, ...cache]);
    cache = out.nextCache;
  }
  tf.dispose(cache);
  return { logProbs, blocks };
}

describe('the page in Chromium', () => {
  it('runs on wasm with the project kernels', async () => {
    const b = await page.evaluate(() => msmoe.backend());
    expect(b.current).toBe('wasm');
    expect(b.fallback).toBeNull();
    expect(b.kernels).toContain('BatchMatMul');
    expect(await page.evaluate(() => msmoe.models())).toEqual(Object.keys(MODELS));
  });

  it('gives the Node log-probs (within 1e-5) and layer reports of each model', async () => {
    const inPage = await page.evaluate((text) => msmoe.evaluate(text), TEXT);
    const vocab = new Vocabulary(WORDS);
    const ids = wordsToIds(textToWords(TEXT, { finalEos: true }), vocab);
    for (const [name, model] of trained) {
      const ref = await nodeScore(model, ids);
      const got = inPage[name]!;
      expect(got.tokens).toBe(ids.length - 1);
      const diff = Math.max(...ref.logProbs.map((x, i) => Math.abs(x - got.logProbs[i]!)));
      expect(diff, name).toBeLessThan(1e-5);
      expect(got.blocks.map((b) => b.map((l) => l.tokensPerExpert))).toEqual(
        ref.blocks.map((b) => b.map((l) => l.tokensPerExpert)),
      );
      got.blocks.flat().forEach((l, i) => {
        const r = ref.blocks.flat()[i]!;
        expect(Math.abs(l.stateNorm - r.stateNorm)).toBeLessThan(1e-5);
        expect(Math.abs(l.routingEntropy - r.routingEntropy)).toBeLessThan(1e-5);
      });
      expect(got.attacked.tokens).toBe(got.tokens); // the attack swaps words, it does not add or drop them
      expect(got.attacked.ppl).not.toBe(got.ppl);
    }
  });

  it('generates the Node text for the same seed (sampled and greedy)', async () => {
    const vocab = new Vocabulary(WORDS);
    for (const [name, model] of trained) {
      for (const options of [
        { tokens: 16, seed: 5, temperature: 0.8, topK: 40 },
        { tokens: 10, seed: 0, temperature: 0, topK: 0 },
      ]) {
        const prompt = wordsToIds(textToWords('w1 w2 w3', { finalEos: false }), vocab);
        const expected = idsToText([...prompt, ...(await generateTokens(model, prompt, options))], vocab);
        const got = await page.evaluate(([n, o]) => msmoe.generate('w1 w2 w3', { ...o, model: n }), [
          name,
          options,
        ] as const);
        expect(got, `${name} ${JSON.stringify(options)}`).toBe(expected);
      }
    }
  });

  it('shows the models side by side with routing, heat map and state norms (screenshot in artifacts/page.png)', async () => {
    await page.fill('#prompt', 'w1 w2 w3');
    await page.fill('#tokens', '12');
    await page.click('#gen-button');
    await page.waitForFunction(() => document.querySelectorAll('.model-col svg.heat').length === 2, undefined, {
      timeout: 60_000,
    });
    await page.hover('.model-col .tok.gen');
    expect(await page.locator('.model-col table.routing tr').count()).toBeGreaterThanOrEqual(2);
    await page.click('#ppl-button');
    await page.waitForSelector('table.ppl');
    expect(await page.locator('table.ppl tr').count()).toBe(3);
    mkdirSync(join(ROOT, 'artifacts'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'artifacts', 'page.png'), fullPage: true });
  });

  it('loads a model from picked files (weights + vocab.txt), which then generates like the served copy', async () => {
    const dir = join(runs, 'adam/seed-1');
    await page.setInputFiles('#files', [join(dir, 'best.safetensors'), join(dir, 'vocab.txt')]);
    await page.waitForFunction(() => msmoe.models().includes('best.safetensors'));
    const options = { tokens: 8, seed: 2 };
    const [picked, served] = await page.evaluate(
      (o) =>
        Promise.all([
          msmoe.generate('w1', { ...o, model: 'best.safetensors' }),
          msmoe.generate('w1', { ...o, model: 'adam/seed-1' }),
        ]),
      options,
    );
    expect(picked).toBe(served);
  });

  it('says so when wasm cannot start (wrong .wasm path) and tfjs falls back', async () => {
    const other = await browser.newPage();
    await other.goto(`${url}?wasmPath=/missing/&models=`);
    await other.evaluate(() => msmoe.ready);
    const b = await other.evaluate(() => msmoe.backend());
    expect(b.requested).toBe('wasm');
    expect(b.current).not.toBe('wasm');
    expect(b.fallback).toMatch(/^wasm did not start.*running on /);
    expect(await other.textContent('#backend-status')).toBe(b.fallback);
    await other.close();
  });

  it('switches to webgl from the picker (smoke: software rendering here) and reports the backend that runs', async () => {
    const short = 'w1 w2 w3 w4 w5';
    const wasm = await page.evaluate((text) => msmoe.evaluate(text), short);
    const status = await page.evaluate(() => msmoe.setBackend('webgl'));
    const current = (await page.evaluate(() => msmoe.backend())).current;
    expect(status.actual).toBe(current);
    expect(status.fallback === null).toBe(current === 'webgl');
    const other = await page.evaluate((text) => msmoe.evaluate(text), short);
    console.log(`webgl smoke: running on ${current}`);
    for (const name of Object.keys(MODELS))
      expect(Math.abs(other[name]!.loss - wasm[name]!.loss), `${name} on ${current}`).toBeLessThan(1e-3);
    expect((await page.evaluate(() => msmoe.setBackend('wasm'))).actual).toBe('wasm');
  });
});
