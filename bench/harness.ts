/**
 * Shared benchmark helpers: median timings and JSON results under bench/results/ (git-ignored).
 * Benchmarks run with `pnpm bench`; every ratio a target is set on is measured inside one process run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the repository. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Median of `reps` timed calls of `fn` (ms), after `warmup` untimed ones. `fn` may be async. */
export async function medianMs(fn: () => unknown, { warmup = 2, reps = 5 } = {}): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Writes `bench/results/<name>.json` and echoes it to stdout. */
export function writeResult(name: string, result: Record<string, unknown>): void {
  const file = join(repoRoot, 'bench', 'results', `${name}.json`);
  mkdirSync(dirname(file), { recursive: true });
  const json = JSON.stringify({ ...result, node: process.version, date: new Date().toISOString() }, null, 2);
  writeFileSync(file, json + '\n');
  console.log(json);
}
