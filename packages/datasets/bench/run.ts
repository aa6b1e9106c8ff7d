/**
 * The datasets benchmarks: text tokenisation (./tokenize.ts) and, when present, JPEG decoding (./jpeg.ts).
 * Each module exports an async `run()`; they run one after the other.
 */
import { existsSync } from 'node:fs';
import { run as tokenize } from './tokenize.js';

await tokenize();
if (existsSync(new URL('./jpeg.ts', import.meta.url))) {
  const jpeg = './jpeg.js';
  const { run } = (await import(jpeg)) as { run: () => Promise<void> };
  await run();
}
