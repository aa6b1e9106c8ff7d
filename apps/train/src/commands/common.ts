/**
 * Flags and set-up shared by the commands that train.
 * @module
 */
import {
  BACKEND_CHOICES,
  describeBackend,
  initBackend,
  type BackendChoice,
  type BackendReport,
} from '@momentum-smoe/core';
import { UsageError, type FlagSpecs } from '../args.js';
import { streamProblem, type LmData } from '../data/lm-data.js';
import type { CompareBudget } from '../training/compare.js';
import { checkNewRunFolder, probeWritable } from '../training/run-folder.js';

export { interruptSignal } from '../training/interrupt.js';

/** `--backend`, shared by every command that computes. */
export const BACKEND_FLAG: FlagSpecs = {
  backend: { type: 'string', help: 'tfjs backend (docs/gpu.md)', choices: [...BACKEND_CHOICES], default: 'auto' },
};

/** Initialises the requested backend and prints which one runs (to stderr, so --json output stays clean). */
export async function startBackend(choice: string): Promise<BackendReport> {
  const report = await initBackend({ backend: choice as BackendChoice, resolveFrom: import.meta.url });
  console.error(describeBackend(report));
  return report;
}

/** Where token caches and the embedded corpus go: `$MSMOE_CACHE`, else `.cache/msmoe` in the working folder. */
export function cacheDir(): string {
  return process.env.MSMOE_CACHE ?? '.cache/msmoe';
}

/** Proves the cache folder writable before any work, naming the way to move it. */
export function checkCacheDir(command: string): string {
  const dir = cacheDir();
  probeWritable(command, 'the cache folder', dir, 'set MSMOE_CACHE to a writable folder or run msmoe from one');
  return dir;
}

/**
 * Before a command that writes a run (or comparison) folder starts: a new run refuses a folder that holds files
 * unless `--overwrite`; either way the folder must be writable.
 */
export function checkOutFolder(
  command: string,
  out: string,
  resume: boolean,
  overwrite: boolean,
  resumeHint: string,
): void {
  if (!resume) checkNewRunFolder(command, out, overwrite, resumeHint);
  const flag = resume ? '--resume' : '--out';
  probeWritable(command, `${flag} ${out}`, out, `choose another ${resume ? 'folder' : '--out'}`);
}

/**
 * Checks, before any training, that the data feeds every run of a comparison: the training split `batch` streams,
 * and each evaluated split (its first `evalTokens` tokens, if given) `evalBatch` streams of `blockSize` tokens.
 * `tokensFlag` names the flag that sets `evalTokens`.
 */
export function checkCompareData(
  command: string,
  data: LmData,
  budget: CompareBudget,
  blockSize: number,
  tokensFlag?: string,
): void {
  const head = (n: number) => Math.min(n, budget.evalTokens ?? Infinity);
  const splits: [string, number][] = [
    ['the validation split', data.clean.valid.length],
    ['the test split', data.clean.test.length],
  ];
  if (data.attacked) {
    splits.push(['the attacked validation split', data.attacked.valid.length]);
    splits.push(['the attacked test split', data.attacked.test.length]);
  }
  const evalProblem = ([what, n]: [string, number]) => {
    const label = n > head(n) ? `${tokensFlag ?? 'the evaluated part of'} ${what}` : what;
    return streamProblem(label, head(n), budget.evalBatch, blockSize, 'eval');
  };
  const problem =
    streamProblem('the training split', data.clean.train.length, budget.batch, blockSize, 'train') ??
    splits.map(evalProblem).find((p) => p !== undefined);
  if (!problem) return;
  const fix =
    tokensFlag && budget.evalTokens !== undefined
      ? `raise ${tokensFlag} or use more data`
      : 'use a smaller --batch or more data';
  throw new UsageError(`msmoe ${command}: ${problem}; ${fix}`);
}
