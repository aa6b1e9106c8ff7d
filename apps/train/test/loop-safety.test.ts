import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import { validateLmConfig } from '@momentum-smoe/models';
import { loadCheckpoint } from '../src/training/checkpoint.js';
import { DivergedError } from '../src/training/divergence.js';
import { trainLm, type LmRunConfig } from '../src/training/lm-trainer.js';
import { fileSystemProblem } from '../src/training/run-folder.js';
import { TINY_CONFIG } from './tiny-run.js';

const VOCAB = 40;
const corpus = (n: number, seed: number) => {
  const rng = new Rng(seed);
  return Int32Array.from({ length: n }, (_, i) => (rng.uniform() < 0.1 ? rng.int(VOCAB) : (i * 7) % VOCAB));
};
const train = corpus(4000, 1);
const valid = corpus(600, 2);
const run = (steps: number, evalEvery: number, lr = 3e-3): LmRunConfig => ({
  name: 'tiny',
  model: validateLmConfig({ ...TINY_CONFIG, vocab: VOCAB }),
  steps,
  batch: 4,
  batchSplit: 1,
  lr,
  warmup: 2,
  seed: 5,
  evalEvery,
  evalBatch: 2,
});
const quiet = { progressLabel: null } as const;
const records = (dir: string) =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { step: number; kind: string; loss: number });
const stepOf = async (file: string) => (await loadCheckpoint<{ step: number }>(file)).state.step;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('resume never retrains from step 0 over a run (issue 15.1)', () => {
  it('without last.safetensors it continues from best.safetensors and ends where an uninterrupted run ends', async () => {
    const straight = await trainLm(run(6, 2), train, valid, mkdtempSync(join(tmpdir(), 'res-a-')), quiet);
    straight.model.dispose();
    const dir = mkdtempSync(join(tmpdir(), 'res-b-'));
    // killed at 5
    (await trainLm(run(6, 2), train, valid, dir, { ...quiet, stopAt: 5, checkpointOnStop: false })).model.dispose();
    const bestStep = await stepOf(join(dir, 'best.safetensors'));
    rmSync(join(dir, 'last.safetensors')); // what a user does after a "corrupt checkpoint" error
    const said: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((m: string) => void said.push(m));
    const resumed = await trainLm(run(6, 2), train, valid, dir, { ...quiet, resume: true });
    vi.restoreAllMocks();
    resumed.model.dispose();
    expect(said.join('\n')).toMatch(
      new RegExp(
        `last\\.safetensors is missing; continuing from .*best\\.safetensors \\(step ${bestStep} of the 5 logged\\)`,
      ),
    );
    // the log of steps 1..bestStep kept, the rest retrained exactly
    expect(resumed.trainLoss).toEqual(straight.trainLoss);
    expect(
      records(dir)
        .filter((r) => r.kind === 'train')
        .map((r) => r.step),
    ).toEqual([1, 2, 3, 4, 5, 6]);
  }, 120_000);

  it('with no valid checkpoint but a log it stops, says what exists and changes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'res-c-'));
    // stopped before the first checkpoint
    (await trainLm(run(6, 4), train, valid, dir, { ...quiet, stopAt: 2, checkpointOnStop: false })).model.dispose();
    const before = readFileSync(join(dir, 'metrics.jsonl'));
    await expect(trainLm(run(6, 4), train, valid, dir, { ...quiet, resume: true })).rejects.toThrow(
      /cannot resume .*: no valid checkpoint \(last\.safetensors is missing; best\.safetensors is missing\), and metrics\.jsonl logs 2 steps that were not checkpointed\. Nothing was changed/,
    );
    expect(readFileSync(join(dir, 'metrics.jsonl'))).toEqual(before);
    writeFileSync(join(dir, 'last.safetensors'), 'not a checkpoint');
    await expect(trainLm(run(6, 4), train, valid, dir, { ...quiet, resume: true })).rejects.toThrow(
      /last\.safetensors cannot be used \(not a valid safetensors file/,
    );
  }, 120_000);
});

describe('Ctrl-C is seen within a step (issue 15.3)', () => {
  it('an abort raised by a timer (as a signal handler is) stops the run after a step or two, with a checkpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'int-'));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20); // a macrotask, like the SIGINT handler
    const r = await trainLm(run(60, 60), train, valid, dir, { ...quiet, signal: controller.signal });
    r.model.dispose();
    const steps = r.trainLoss.length;
    expect(steps).toBeLessThan(10); // before the fix: all 60 (the timer ran only at the first checkpoint write)
    expect(await stepOf(join(dir, 'last.safetensors'))).toBe(steps);
  }, 120_000);
});

describe('a checkpoint that cannot be written does not end the run (issue 15.5)', () => {
  it('warns, keeps training, and writes it at the next checkpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'full-'));
    mkdirSync(join(dir, 'last.safetensors', 'in-the-way'), { recursive: true }); // the rename onto it fails (EISDIR)
    const warnings: string[] = [];
    vi.spyOn(console, 'warn').mockImplementation((m: string) => {
      warnings.push(m);
      rmSync(join(dir, 'last.safetensors'), { recursive: true, force: true }); // space is freed meanwhile
    });
    const r = await trainLm(run(4, 2), train, valid, dir, quiet);
    vi.restoreAllMocks();
    r.model.dispose();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^warning: could not write .*\/last\.safetensors: it is a folder \(EISDIR\); training goes on with its state in memory and writes it again at the next checkpoint$/,
    );
    expect(r.trainLoss).toHaveLength(4);
    expect(await stepOf(join(dir, 'last.safetensors'))).toBe(4);
  }, 120_000);

  it('a checkpoint still unwritable at the end fails the run with one file-system line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'full-'));
    mkdirSync(join(dir, 'last.safetensors', 'in-the-way'), { recursive: true });
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const error = await trainLm(run(2, 2), train, valid, dir, quiet).then(
      () => null,
      (e: unknown) => e,
    );
    vi.restoreAllMocks();
    expect(fileSystemProblem(error)).toMatch(/last\.safetensors/);
  }, 120_000);
});

describe('a diverged run stops (issue 15.6)', () => {
  it('--lr 1e4 ends with a DivergedError naming the step, and no best checkpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'div-'));
    const error = await trainLm(run(20, 20, 1e4), train, valid, dir, quiet).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DivergedError);
    expect((error as Error).message).toMatch(
      /^training diverged at step \d+: (training loss loss|evaluation .*)(NaN|Infinity).* at learning rate 10000; .*lower --lr/,
    );
    expect(existsSync(join(dir, 'best.safetensors'))).toBe(false);
  }, 120_000);
});
