/**
 * The page's speed in headless Chromium with the default run's models (`pnpm msmoe` first): time from opening the
 * page to the first generated token, and generation tokens/s per model, through the page's generate button (the
 * text redrawn after every token) and through `msmoe.generate` (no drawing). Targets: first token < 3 s, ≥ 20
 * tokens/s. JSON into bench/results/web-page.json. Usage: pnpm --filter @momentum-smoe/web bench [-- RUN_DIR]
 */
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build } from 'vite';
import type { MsmoeApi } from '../src/api.js';
import { launchChromium } from '../test/chromium.js';
import { serve } from '../test/static-server.js';
import { repoRoot, writeResult } from '../../../bench/harness.js';

declare const msmoe: MsmoeApi;
const TOKENS = 64;
const REPS = 3;

const runDir = process.argv[2] ?? join(repoRoot, 'runs', 'default');
const folders = existsSync(runDir)
  ? readdirSync(runDir).flatMap((v) => (statSync(join(runDir, v)).isDirectory() ? readdirSync(join(runDir, v)).map((s) => join(runDir, v, s)) : []))
      .filter((f) => existsSync(join(f, 'best.safetensors')) && existsSync(join(f, 'vocab.txt')))
  : [];
if (folders.length === 0) {
  console.error(`web bench: no models with vocab.txt under ${runDir}; run the default run first (pnpm msmoe)`);
  process.exit(0);
}
const names = folders.map((f) => relative(runDir, f));
const work = mkdtempSync(join(tmpdir(), 'web-bench-'));
writeFileSync(join(work, 'index.json'), JSON.stringify(names.map((name) => ({ name, url: `models/${name}/` }))));
await build({ root: new URL('..', import.meta.url).pathname, logLevel: 'warn', build: { outDir: join(work, 'dist') } });
const roots: Record<string, string> = { '/models/index.json': join(work, 'index.json'), '/': join(work, 'dist') };
names.forEach((n, i) => (roots[`/models/${n}/`] = folders[i]!));
const { server, url } = await serve(roots);
const browser = await launchChromium();
const results: Record<string, unknown>[] = [];
try {
  for (let rep = 0; rep < REPS; rep++) {
    const page = await browser.newPage();
    const t0 = performance.now();
    await page.goto(url);
    await page.evaluate(() => msmoe.ready);
    const readyMs = performance.now() - t0;
    const prompt = 'the president said that';
    const ui = await page.evaluate(([p, n]) => msmoe.generateAll(p, { tokens: n, seed: 1 }), [prompt, TOKENS] as const);
    const first = Object.values(ui)[0]!;
    const api: Record<string, number> = {};
    for (const name of names) {
      const s = performance.now();
      await page.evaluate(([p, n, m]) => msmoe.generate(p, { tokens: n, seed: 1, model: m }), [prompt, TOKENS, name] as const);
      api[name] = TOKENS / ((performance.now() - s) / 1000);
    }
    results.push({
      backend: (await page.evaluate(() => msmoe.backend())).current,
      readyMs,
      firstTokenMs: readyMs + first.firstTokenMs,
      uiTokensPerSec: Object.fromEntries(Object.entries(ui).map(([k, g]) => [k, TOKENS / ((g.totalMs - g.firstTokenMs) / 1000)])),
      apiTokensPerSec: api,
    });
    console.error(`rep ${rep + 1}/${REPS}: ${JSON.stringify(results.at(-1))}`);
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const perModel = (key: 'uiTokensPerSec' | 'apiTokensPerSec') =>
  Object.fromEntries(names.map((n) => [n, Math.round(median(results.map((r) => (r[key] as Record<string, number>)[n]!)))]));
const firstTokenMs = Math.round(median(results.map((r) => r.firstTokenMs as number)));
const ui = perModel('uiTokensPerSec');
writeResult('web-page', {
  run: relative(repoRoot, runDir) || runDir,
  backend: results[0]!.backend,
  tokens: TOKENS,
  repetitions: REPS,
  firstTokenMs,
  readyMs: Math.round(median(results.map((r) => r.readyMs as number))),
  uiTokensPerSec: ui,
  apiTokensPerSec: perModel('apiTokensPerSec'),
  targets: { firstTokenMs: 3000, tokensPerSec: 20, met: firstTokenMs < 3000 && Object.values(ui).every((v) => v >= 20) },
});
