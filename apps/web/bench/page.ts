/**
 * The page's speed in headless Chromium with the default run's models (`pnpm msmoe` first): time from opening the
 * page to the first generated token, and generation tokens/s per model, through the page's generate button (the
 * text redrawn after every token) and through `msmoe.generate` (no drawing). Targets: first token < 3 s, ≥ 20
 * tokens/s. JSON into bench/results/web-page.json. Usage: pnpm --filter @momentum-smoe/web bench [-- RUN_DIR]
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { MsmoeApi } from '../src/api.js';
import { launchChromium } from '../test/chromium.js';
import { repoRoot, writeResult } from '../../../bench/harness.js';

declare const msmoe: MsmoeApi;
const TOKENS = 64;
const REPS = 3;

const runDir = process.argv[2] ?? join(repoRoot, 'runs', 'default');
if (!existsSync(runDir)) {
  console.error(`web bench: no run at ${runDir}; run the default run first (pnpm msmoe)`);
  process.exit(0);
}
// The page as users get it: `msmoe web` (built if needed, checkpoints served without optimiser moments).
const child = spawn(
  process.execPath,
  [
    '--conditions=@momentum-smoe/source',
    '--import',
    'tsx',
    join(repoRoot, 'apps/train/src/cli.ts'),
    'web',
    '--run',
    runDir,
    '--port',
    '0',
  ],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const url = await new Promise<string>((ok, fail) => {
  let text = '';
  child.stdout.on('data', (b: Buffer) => {
    text += b.toString();
    const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(text);
    if (m) ok(m[0]);
  });
  child.once('exit', (code) => fail(new Error(`msmoe web exited with ${code}`)));
});
const server = { close: () => child.kill('SIGTERM') };
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
    const names = await page.evaluate(() => msmoe.models());
    for (const name of names) {
      const s = performance.now();
      await page.evaluate(([p, n, m]) => msmoe.generate(p, { tokens: n, seed: 1, model: m }), [
        prompt,
        TOKENS,
        name,
      ] as const);
      api[name] = TOKENS / ((performance.now() - s) / 1000);
    }
    results.push({
      backend: (await page.evaluate(() => msmoe.backend())).current,
      readyMs,
      page: await page.evaluate(() => msmoe.timings()),
      firstTokenMs: readyMs + first.firstTokenMs,
      uiTokensPerSec: Object.fromEntries(
        Object.entries(ui).map(([k, g]) => [k, TOKENS / ((g.totalMs - g.firstTokenMs) / 1000)]),
      ),
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
const names = Object.keys(results[0]!.apiTokensPerSec as Record<string, number>);
const perModel = (key: 'uiTokensPerSec' | 'apiTokensPerSec') =>
  Object.fromEntries(
    names.map((n) => [n, Math.round(median(results.map((r) => (r[key] as Record<string, number>)[n]!)))]),
  );
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
  targets: {
    firstTokenMs: 3000,
    tokensPerSec: 20,
    met: firstTokenMs < 3000 && Object.values(ui).every((v) => v >= 20),
  },
});
