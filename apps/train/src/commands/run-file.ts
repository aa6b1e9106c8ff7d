/**
 * `run.json`: what `msmoe train` keeps beside a run so that `--resume DIR` needs no other flag. Written in one place
 * ({@link writeRunFile}); the data folder is stored as an absolute path so a run resumes from any working folder.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { writeFileAtomic } from '@momentum-smoe/core';
import { validateLmConfig } from '@momentum-smoe/models';
import { UsageError } from '../args.js';
import type { LmRunConfig } from '../training/lm-trainer.js';
import type { VisionRunConfig } from '../training/vision-trainer.js';

/** The name of the file in the run folder. */
export const RUN_FILE = 'run.json';

/** A language-model run and where its data comes from (no `dir`: the embedded SOTU corpus). */
export interface LmRunFile {
  vision?: false;
  run: LmRunConfig;
  data: { dir?: string; maxVocab?: number };
  /** The weights the run started from (`--init`), absolute. */
  init?: string;
}

/** A vision run and where its data comes from (no `dir`: the embedded MNIST digits). */
export interface VisionRunFile {
  vision: true;
  run: VisionRunConfig;
  data: { dir?: string };
  /** The weights the run started from (`--init`), absolute. */
  init?: string;
}

/** The contents of `run.json`. */
export type RunFile = LmRunFile | VisionRunFile;

/** Writes `dir/run.json` atomically, with the data folder made absolute. */
export async function writeRunFile(dir: string, runFile: RunFile): Promise<void> {
  const data = runFile.data.dir === undefined ? runFile.data : { ...runFile.data, dir: resolve(runFile.data.dir) };
  await writeFileAtomic(join(dir, RUN_FILE), JSON.stringify({ ...runFile, data }, null, 2) + '\n');
}

/**
 * Reads and checks `dir/run.json` for `--resume dir`.
 * @throws UsageError naming the file and what is wrong with it.
 */
export function readRunFile(command: string, dir: string): RunFile {
  const file = join(dir, RUN_FILE);
  const fail = (problem: string): never => {
    throw new UsageError(
      `msmoe ${command}: --resume ${dir}: ${file} ${problem}; restore it from a backup or start a new run`,
    );
  };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UsageError(
        `msmoe ${command}: --resume ${dir}: no run.json there (start a run with --out ${dir} first)`,
      );
    }
    return fail(`cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return fail(`is not valid JSON (${(e as Error).message})`);
  }
  const r = json as Partial<RunFile> | null;
  const run = r?.run as Partial<LmRunConfig> | undefined;
  if (typeof r !== 'object' || r === null || typeof run !== 'object' || run === null) {
    return fail('has no "run" object');
  }
  if (typeof run.model !== 'object' || run.model === null) return fail('has no "run.model" object');
  for (const key of ['steps', 'batch', 'seed', 'evalEvery'] as const) {
    if (!Number.isInteger(run[key])) fail(`has no integer "run.${key}"`);
  }
  if (typeof r.data !== 'object' || r.data === null) return fail('has no "data" object');
  if (r.data.dir !== undefined) {
    if (typeof r.data.dir !== 'string') return fail('has a "data.dir" that is not a string');
    if (!existsSync(r.data.dir)) {
      // Runs written before data paths were absolute hold a path relative to where that run started.
      const relative = isAbsolute(r.data.dir) ? '' : ` relative to ${process.cwd()}`;
      fail(
        `names the data folder '${r.data.dir}', which does not exist${relative} ` +
          `(edit "data.dir" to the folder's absolute path)`,
      );
    }
    r.data.dir = resolve(r.data.dir);
  }
  if (!r.vision) {
    try {
      validateLmConfig(run.model as unknown as Record<string, unknown>);
    } catch (e) {
      fail(`holds an invalid model config (${(e as Error).message})`);
    }
  }
  return r as RunFile;
}
