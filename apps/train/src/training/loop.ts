/**
 * The one training loop every trainer (language and vision) runs: restore from `last.safetensors`, then per step
 * the task's micro-batches (gradient accumulation), the gradients' mean over ranks, one optimiser update, the log
 * record, and every `evalEvery` steps an evaluation with the best and last checkpoints; stop early on a signal or at
 * `stopAt`. What differs between models (data, forward/backward, evaluation, checkpoint contents, log fields) is a
 * {@link TrainTask}. Data parallelism enters through {@link StepSync}: its all-reduce runs between the last
 * micro-batch's gradients and the optimiser update, and only its rank 0 writes files.
 * @module
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { checkDevice } from '@momentum-smoe/core';
import { MetricsLog, type MetricsRecord } from '../report/metrics-log.js';
import { ProgressBar } from '../report/progress.js';
import type { Checkpoint } from './checkpoint.js';
import { CheckpointWriter } from './checkpoint-writer.js';
import { divergence, type DivergedError } from './divergence.js';
import { yieldToEventLoop } from './interrupt.js';
import { findResumePoint } from './resume-point.js';
import type { Adam } from './optimizer.js';
import { BEST_CHECKPOINT, LAST_CHECKPOINT, type TrainOptions } from './run-options.js';

/** One micro-batch's result: gradients of `loss / count` keyed by tfjs variable name, and its scalar readings. */
export interface MicroBatchResult {
  grads: tf.NamedTensorMap;
  /** Readings to average over micro-batches and ranks (e.g. `[nll]`, or `[loss, classification, aux]`). */
  readings: number[];
}

/** An evaluation's log record (without `step`) and the score the best checkpoint follows. */
export interface EvalResult {
  record: { kind: string; [reading: string]: unknown };
  score: number;
}

/** The model-specific half of a training run; the loop calls it in the order its members are listed. */
export interface TrainTask<S> {
  /** Optimiser steps of the whole run. */
  steps: number;
  /** Micro-batches per step (gradient accumulation). */
  batchSplit: number;
  /** Evaluate and write `last.safetensors` every this many steps (and at the end). */
  evalEvery: number;
  /** True when a higher {@link EvalResult.score} is better (accuracy); false for a loss. */
  higherIsBetter: boolean;
  /** The optimiser over the model's parameters. */
  optimizer: Adam;
  /** Learning rate of update number `step` (1-based). */
  learningRate(step: number): number;
  /** Whether update number `step` (1-based) logs detailed statistics (they cost a host read). */
  logsStep(step: number): boolean;
  /** Restores the task from a checkpoint; returns the step it was written at and the best score so far. */
  restore(ckpt: Checkpoint<S>, file: string): { step: number; best: number | null };
  /** Fetches the next step's batch (this rank's share). `logging`: this step logs detailed statistics. */
  beginStep(logging: boolean): Promise<void>;
  /** Forward and backward of micro-batch `j` of {@link TrainTask.batchSplit}. */
  microBatch(j: number, logging: boolean): Promise<MicroBatchResult>;
  /**
   * After the update: the step's mean readings (over micro-batches and ranks), the global gradient norm (a scalar the
   * task disposes), the learning rate and whether the step logs detailed statistics; returns the log record's
   * readings (`loss` first) and progress-bar fields.
   */
  endStep(
    readings: number[],
    gradNorm: tf.Scalar,
    lr: number,
    logging: boolean,
  ): Promise<{ record: Record<string, unknown>; bar: Record<string, string> }>;
  /** Evaluates the current model (collective: every rank calls it). */
  evaluate(): Promise<EvalResult>;
  /** The checkpoint contents at `step` (collective: every rank calls it, rank 0 writes the result). */
  checkpoint(step: number, best: number | null): Promise<Checkpoint<S>>;
  /** Training units (tokens, images) of one step over all ranks, and the log's name for their rate. */
  units: { perStep: number; rateKey: string; barKey: string };
  /** Frees what the task holds besides the model (which the caller keeps). */
  dispose(): void;
}

/** How the loop reaches the other ranks of a data-parallel run. */
export interface StepSync {
  /** This process's rank; rank 0 alone writes metrics, checkpoints and the progress bar. */
  readonly rank: number;
  /** Number of ranks. */
  readonly size: number;
  /** Called once before the first step (after a resume): every rank takes rank 0's weights. */
  prepare(): Promise<void>;
  /**
   * The mean over ranks of every rank's `grads` (same names, same shapes everywhere) and, in place, of `readings`.
   * Takes ownership of `grads` and returns new tensors.
   */
  meanGradients(grads: tf.NamedTensorMap, readings: number[]): Promise<tf.NamedTensorMap>;
}

/** What {@link runTrainingLoop} returns: the run's whole log (rank 0; other ranks see only this process's steps). */
export interface LoopResult {
  /** `train` records, in step order, including those before a resume. */
  train: MetricsRecord[];
  /** Evaluation records, in step order. */
  evals: MetricsRecord[];
  /** Training units per second over this process's steps (all ranks together). */
  unitsPerSecond: number;
}

/** Options of {@link runTrainingLoop}: the shared {@link TrainOptions} plus the label and the ranks. */
export interface LoopOptions extends TrainOptions {
  /** Progress-bar label when {@link TrainOptions.progressLabel} does not set one. */
  name: string;
  /** The other ranks; absent for one process. */
  sync?: StepSync;
}

/** Sums `b` into `a` in place (micro-batch accumulation), disposing the tensors replaced. */
function accumulate(a: tf.NamedTensorMap, b: tf.NamedTensorMap): void {
  for (const k of Object.keys(b)) {
    const sum = tf.add(a[k]!, b[k]!);
    tf.dispose([a[k]!, b[k]!]);
    a[k] = sum;
  }
}

/**
 * Runs `task` to `task.steps` (or an early stop), logging into `outDir/metrics.jsonl` and checkpointing into
 * `outDir`; with `options.resume`, continues from the newest valid checkpoint there ({@link findResumePoint}).
 */
export async function runTrainingLoop<S>(
  task: TrainTask<S>,
  outDir: string,
  options: LoopOptions,
): Promise<LoopResult> {
  const writer = (options.sync?.rank ?? 0) === 0;
  const log = writer ? new MetricsLog(join(outDir, 'metrics.jsonl')) : null;
  const last = join(outDir, LAST_CHECKPOINT);
  let step = 0;
  let best: number | null = null;
  const from = options.resume ? await findResumePoint<S>(outDir) : null;
  if (from) {
    ({ step, best } = task.restore(from.ckpt, from.file));
    log?.truncateAfter(step);
  } else {
    log?.truncateAfter(0);
  }
  const history = log?.read() ?? [];
  const train = history.filter((r) => r.kind === 'train');
  const evals = history.filter((r) => r.kind !== 'train');

  const label = options.progressLabel === undefined ? options.name : options.progressLabel;
  const bar = label === null || !writer ? null : new ProgressBar(label, task.steps);
  const t0 = performance.now();
  const firstStep = step;
  const rate = () => ((step - firstStep) * task.units.perStep) / Math.max((performance.now() - t0) / 1000, 1e-9);
  const stopAfter = (done: number) =>
    (options.stopAt !== undefined && done >= options.stopAt) || options.signal?.aborted === true;
  const checkpoints = new CheckpointWriter<S>();
  const checkpoint = async (file: string) => {
    const ckpt = await task.checkpoint(step, best);
    if (writer) await checkpoints.save(file, ckpt);
  };
  const stopDiverged = (error: DivergedError) => {
    bar?.finish();
    task.dispose();
    return error;
  };

  if (options.sync && options.sync.size > 1) await options.sync.prepare();
  while (step < task.steps) {
    const lr = task.learningRate(step + 1);
    const logging = task.logsStep(step + 1);
    await task.beginStep(logging);
    let grads: tf.NamedTensorMap | null = null;
    const readings: number[] = [];
    for (let j = 0; j < task.batchSplit; j++) {
      const r = await task.microBatch(j, logging);
      if (grads === null) grads = r.grads;
      else accumulate(grads, r.grads);
      r.readings.forEach((v, i) => (readings[i] = (readings[i] ?? 0) + v));
    }
    for (let i = 0; i < readings.length; i++) readings[i]! /= task.batchSplit;
    let agreedStop: boolean | null = null;
    if (options.sync && options.sync.size > 1) {
      // The one all-reduce of the step, after the last micro-batch and before the update; it also carries whether
      // any rank was interrupted, so that every rank stops after the same step.
      readings.push(stopAfter(step + 1) ? 1 : 0);
      grads = await options.sync.meanGradients(grads!, readings);
      agreedStop = readings.pop()! > 0;
    }
    const gradNorm = task.optimizer.apply(grads!, lr);
    tf.dispose(Object.values(grads!));
    step++;

    const { record, bar: fields } = await task.endStep(readings, gradNorm, lr, logging);
    checkDevice(); // a failed webgpu dispatch only raises an event and leaves garbage: stop before it is logged
    const entry: MetricsRecord = { step, kind: 'train', ...record, [task.units.rateKey]: rate() };
    train.push(entry);
    log?.write(entry);
    const diverged = divergence(step, 'training loss', { loss: entry.loss }, lr);
    if (diverged) throw stopDiverged(diverged);
    const shown = task.units.barKey === 'tok/s' ? Math.round(rate()).toLocaleString('en-US') : rate().toFixed(1);
    bar?.update(step, { ...fields, [task.units.barKey]: shown });

    if (step % task.evalEvery === 0 || step === task.steps) {
      const { record: evalRecord, score } = await task.evaluate();
      checkDevice();
      const e: MetricsRecord = { step, ...evalRecord };
      evals.push(e);
      log?.write(e);
      const divergedEval = divergence(step, 'evaluation', { score, ...evalRecord }, lr);
      if (divergedEval) throw stopDiverged(divergedEval);
      if (best === null || (task.higherIsBetter ? score > best : score < best)) {
        best = score;
        await checkpoint(join(outDir, BEST_CHECKPOINT));
      }
      await checkpoint(last);
    }
    if (agreedStop ?? stopAfter(step)) {
      if (options.checkpointOnStop !== false && step < task.steps) await checkpoint(last);
      break;
    }
    await yieldToEventLoop(); // lets a Ctrl-C handler run now rather than at the next file write
  }
  bar?.finish();
  await checkpoints.flush();
  task.dispose();
  return { train, evals, unitsPerSecond: rate() };
}
