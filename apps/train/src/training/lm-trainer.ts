/**
 * The language-model training loop of the official scripts: Adam without weight decay, linear warm-up then constant,
 * gradient accumulation over micro-batches (`--batch-split`), the attention cache carried between blocks and zeroed
 * when the data wraps, periodic full evaluation with the best checkpoint kept, and exact resume.
 * @module
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Rng, type RngState } from '@momentum-smoe/core';
import { batchify, TrainingBlocks, type TrainingBlocksState } from '@momentum-smoe/datasets';
import {
  SmoeLanguageModel,
  disposeLayerReports,
  evaluateLm,
  keepLayerReports,
  readLayerReports,
  type LmCache,
  type LmConfig,
  type LmLayerReport,
} from '@momentum-smoe/models';
import { MetricsLog } from '../report/metrics-log.js';
import { ProgressBar } from '../report/progress.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { BEST_CHECKPOINT, LAST_CHECKPOINT, type TrainOptions } from './run-options.js';
import { Adam } from './optimizer.js';
import { warmupConstant } from './schedule.js';
import { assignFrom, toTensorData } from './tensor-data.js';

/** Everything a language-model run needs besides data. */
export interface LmRunConfig {
  /** Name for logs and reports (e.g. the preset). */
  name: string;
  model: LmConfig;
  steps: number;
  /** Parallel streams B. */
  batch: number;
  /** Micro-batches per step (gradient accumulation); must divide `batch`. */
  batchSplit: number;
  lr: number;
  warmup: number;
  seed: number;
  /** Evaluate on the validation stream every this many steps (and at the end). */
  evalEvery: number;
  /** Streams for evaluation (default `batch`). */
  evalBatch?: number;
  /** Log per-layer routing and momentum statistics every this many steps (default 10; also at the first and last). */
  logEvery?: number;
}

/** The JSON part of a checkpoint. */
interface RunState {
  run: LmRunConfig;
  step: number;
  blocks: TrainingBlocksState;
  modelRng: RngState;
  bestValidLoss: number | null;
}

/** What {@link trainLm} returns. */
export interface LmRunResult {
  /** Training NLL per step (nats), in order, including steps run before a resume. */
  trainLoss: number[];
  /** Validation evaluations. */
  valid: { step: number; loss: number; ppl: number }[];
  /** The trained model (the caller disposes it). */
  model: SmoeLanguageModel;
  /** Training tokens per second over this process's steps. */
  tokensPerSecond: number;
}

/** Options of a run that are not part of its identity (shared by every trainer). */
export type LmTrainOptions = TrainOptions;


/**
 * Trains a language model on `train` ids, evaluating on `valid`, writing `metrics.jsonl`, `last.safetensors` (every
 * evaluation, for resume) and `best.safetensors` (the lowest validation loss) into `outDir`.
 * @example
 * ```ts
 * const result = await trainLm(run, corpus.splits.train.ids, corpus.splits.valid.ids, 'runs/momentum');
 * ```
 */
export async function trainLm(run: LmRunConfig, train: Int32Array, valid: Int32Array, outDir: string, options: LmTrainOptions = {}): Promise<LmRunResult> {
  if (run.batch % run.batchSplit !== 0) throw new Error(`batch ${run.batch} is not divisible by batch-split ${run.batchSplit}`);
  const modelRng = new Rng(run.seed);
  const model = new SmoeLanguageModel(run.model, { rng: modelRng });
  const params = model.namedParameters();
  const optimizer = new Adam(params);
  const log = new MetricsLog(join(outDir, 'metrics.jsonl'));
  let cache: LmCache = model.initCache(run.batch);
  let step = 0;
  let bestValidLoss: number | null = null;
  let savedBlocks: TrainingBlocksState | undefined;

  if (options.resume && existsSync(join(outDir, LAST_CHECKPOINT))) {
    const ckpt = await loadCheckpoint<RunState>(join(outDir, LAST_CHECKPOINT));
    assignFrom(params, ckpt.model, `checkpoint ${join(outDir, LAST_CHECKPOINT)}`);
    optimizer.load(ckpt.optimizer, ckpt.state.step);
    tf.dispose(cache);
    cache = cache.map((_, i) => {
      const t = ckpt.buffers.get(`cache.${i}`);
      if (!t) throw new Error(`checkpoint ${join(outDir, LAST_CHECKPOINT)} lacks the attention cache of layer ${i}`);
      return tf.tensor3d(t.data as Float32Array, t.shape as [number, number, number]);
    });
    step = ckpt.state.step;
    bestValidLoss = ckpt.state.bestValidLoss;
    modelRng.setState(ckpt.state.modelRng);
    savedBlocks = ckpt.state.blocks;
    log.truncateAfter(step);
  } else {
    log.truncateAfter(0);
  }
  const blocks = new TrainingBlocks(batchify(train, run.batch), run.model.blockSize, savedBlocks ? { state: savedBlocks } : { seed: run.seed + 1 });
  const history = log.read();
  const trainLoss = history.filter((r) => r.kind === 'train').map((r) => r.loss as number);
  const validHistory = history.filter((r) => r.kind === 'valid').map((r) => ({ step: r.step, loss: r.loss as number, ppl: r.ppl as number }));

  const schedule = warmupConstant(run.lr, run.warmup);
  const micro = run.batch / run.batchSplit;
  const m = run.model.blockSize;
  const bar = options.progressLabel === null ? null : new ProgressBar(options.progressLabel ?? run.name, run.steps);
  const t0 = performance.now();
  const firstStep = step;

  const checkpoint = async (file: string) => {
    const state: RunState = { run, step, blocks: blocks.state(), modelRng: modelRng.state(), bestValidLoss };
    const buffers = await toTensorData(new Map(cache.map((c, i) => [`cache.${i}`, c])));
    await saveCheckpoint(file, { model: await toTensorData(params), optimizer: await optimizer.state(), buffers, state });
  };

  while (step < run.steps) {
    const block = blocks.next();
    if (block.reset) {
      tf.dispose(cache);
      cache = model.initCache(run.batch);
    }
    const lr = schedule(step + 1);
    let grads: tf.NamedTensorMap | null = null;
    let nllSum = 0;
    const nextCache: tf.Tensor3D[][] = [];
    // Per-layer statistics cost a host read, so they are kept (from the first micro-batch) only on logging steps.
    const logLayers = step === 0 || step + 1 === run.steps || (step + 1) % (run.logEvery ?? 10) === 0;
    let reports: LmLayerReport[] = [];
    for (let j = 0; j < run.batchSplit; j++) {
      // Micro-batch j: streams [j·micro, (j+1)·micro) of x, y: [B, M] and of each layer's cache [B, L, H].
      const x = tf.tensor2d(block.x.subarray(j * micro * m, (j + 1) * micro * m), [micro, m], 'int32');
      const y = tf.tensor2d(block.y.subarray(j * micro * m, (j + 1) * micro * m), [micro, m], 'int32');
      const past = cache.map((c) => tf.slice(c, [j * micro, 0, 0], [micro, -1, -1]));
      let nll: tf.Scalar | null = null;
      let kept: tf.Tensor3D[] = [];
      const { value, grads: g } = tf.variableGrads(() => {
        const out = model.loss(x, y, past);
        kept = out.nextCache.map((t) => tf.keep(t));
        nll = tf.keep(out.nll);
        if (logLayers && j === 0) reports = keepLayerReports(out.layers);
        return tf.div(out.loss, run.batchSplit) as tf.Scalar;
      });
      nextCache.push(kept);
      nllSum += (await nll!.data())[0]!;
      tf.dispose([x, y, value, nll!, ...past]);
      if (grads === null) grads = g;
      else {
        const acc: tf.NamedTensorMap = grads;
        for (const k of Object.keys(g)) {
          const sum = tf.add(acc[k]!, g[k]!);
          tf.dispose([acc[k]!, g[k]!]);
          acc[k] = sum;
        }
      }
    }
    optimizer.apply(grads!, lr).dispose();
    tf.dispose(Object.values(grads!));
    tf.dispose(cache);
    cache = nextCache[0]!.map((_, layer) => (run.batchSplit === 1 ? nextCache[0]![layer]! : tf.concat(nextCache.map((c) => c[layer]!), 0)));
    if (run.batchSplit > 1) tf.dispose(nextCache.flat());
    step++;

    const loss = nllSum / run.batchSplit;
    trainLoss.push(loss);
    const tokensPerSecond = ((step - firstStep) * run.batch * m) / ((performance.now() - t0) / 1000);
    const layers = logLayers ? await readLayerReports(reports) : undefined;
    disposeLayerReports(reports);
    log.write({ step, kind: 'train', loss, ppl: Math.exp(loss), lr, tokensPerSecond, ...(layers ? { layers } : {}) });
    bar?.update(step, { loss: loss.toFixed(3), 'tok/s': Math.round(tokensPerSecond).toLocaleString('en-US') });

    if (step % run.evalEvery === 0 || step === run.steps) {
      const v = evaluateLm(model, valid, { batch: run.evalBatch ?? run.batch });
      validHistory.push({ step, loss: v.loss, ppl: v.ppl });
      log.write({ step, kind: 'valid', loss: v.loss, ppl: v.ppl });
      if (bestValidLoss === null || v.loss < bestValidLoss) {
        bestValidLoss = v.loss;
        await checkpoint(join(outDir, BEST_CHECKPOINT));
      }
      await checkpoint(join(outDir, LAST_CHECKPOINT));
    }
    if ((options.stopAt !== undefined && step >= options.stopAt) || options.signal?.aborted) {
      if (options.checkpointOnStop !== false && step < run.steps) await checkpoint(join(outDir, LAST_CHECKPOINT));
      break;
    }
  }
  bar?.finish();
  tf.dispose(cache);
  optimizer.dispose();
  const seconds = (performance.now() - t0) / 1000;
  return { trainLoss, valid: validHistory, model, tokensPerSecond: ((step - firstStep) * run.batch * m) / Math.max(seconds, 1e-9) };
}
