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

/**
 * `reps` timed calls (ms) of each named function, after `warmup` untimed calls of each. The functions are
 * interleaved, the order rotating every repetition, so that machine load drifting over the run affects all alike;
 * compare two of them by {@link pairedRatio}. Each repetition's times go to stderr.
 */
export async function interleavedTimes(
  fns: Record<string, () => unknown>,
  { warmup = 1, reps = 5 } = {},
): Promise<Record<string, number[]>> {
  const names = Object.keys(fns);
  for (let i = 0; i < warmup; i++) for (const name of names) await fns[name]!();
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let rep = 0; rep < reps; rep++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + rep) % names.length]!;
      const t0 = performance.now();
      await fns[name]!();
      times[name]!.push(performance.now() - t0);
    }
    console.error(`rep ${rep + 1}/${reps}: ${names.map((n) => `${n} ${times[n]!.at(-1)!.toFixed(0)} ms`).join(', ')}`);
  }
  return times;
}

/** Median of a list of numbers. */
export function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

/**
 * Median over repetitions of `a[rep] / b[rep]`: each ratio compares two runs made seconds apart within one
 * repetition, which cancels load that drifts over the run (a ratio of two medians does not).
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  return median(a.map((x, i) => x / b[i]!));
}
