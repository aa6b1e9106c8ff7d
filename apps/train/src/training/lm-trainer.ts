/**
 * The language-model training loop of the official scripts: Adam without weight decay, linear warm-up then constant,
 * gradient accumulation over micro-batches (`--batch-split`), the attention cache carried between blocks and zeroed
 * when the data wraps, periodic full evaluation with the best checkpoint kept, and exact resume.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { Rng, type RngState } from '@momentum-smoe/core';
import { batchify, TrainingBlocks, type Block, type TrainingBlocksState } from '@momentum-smoe/datasets';
import {
  SmoeLanguageModel,
  disposeLayerReports,
  keepLayerReports,
  readLayerReports,
  type LmCache,
  type LmConfig,
  type LmLayerReport,
} from '@momentum-smoe/models';
import { DataParallelError, rankRng, type DataParallel } from './data-parallel.js';
import { evaluateLmShared } from './lm-shared-eval.js';
import { runTrainingLoop, type TrainTask } from './loop.js';
import type { TrainOptions } from './run-options.js';
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
  /** Rank 0's dropout stream (the only one of a one-process run). */
  modelRng: RngState;
  /** Data-parallel runs: the dropout streams of ranks 1, 2, …. */
  rankRngs?: RngState[];
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

/** Options of a run that are not part of its identity: the shared {@link TrainOptions}, and the ranks. */
export interface LmTrainOptions extends TrainOptions {
  /** Train data-parallel over these ranks (`batch` is then the global number of streams). */
  dataParallel?: DataParallel;
}

/** The language model's half of the training loop; `model` and `modelRng` are freshly seeded. */
function lmTask(
  run: LmRunConfig,
  model: SmoeLanguageModel,
  modelRng: Rng,
  train: Int32Array,
  valid: Int32Array,
  dp: DataParallel | undefined,
): TrainTask<RunState> {
  const params = model.namedParameters();
  const optimizer = new Adam(params);
  // This rank's streams [rows.start, rows.start + rows.count) of the global batch: DDP's contiguous shard.
  const rows = dp ? dp.share(run.batch, '--batch') : { start: 0, count: run.batch };
  if (rows.count % run.batchSplit !== 0) {
    throw new DataParallelError(`${rows.count} streams per rank are not divisible by --batch-split ${run.batchSplit}`);
  }
  const micro = rows.count / run.batchSplit;
  const m = run.model.blockSize;
  let cache: LmCache = model.initCache(rows.count);
  let blocks = new TrainingBlocks(batchify(train, run.batch), m, { seed: run.seed + 1 });
  let block: Block | null = null;
  let nextCache: tf.Tensor3D[][] = [];
  // Per-layer statistics of the first micro-batch, kept on logging steps only.
  let reports: LmLayerReport[] = [];
  const schedule = warmupConstant(run.lr, run.warmup);
  return {
    steps: run.steps,
    batchSplit: run.batchSplit,
    evalEvery: run.evalEvery,
    higherIsBetter: false,
    optimizer,
    units: { perStep: run.batch * m, rateKey: 'tokensPerSecond', barKey: 'tok/s' },
    learningRate: schedule,
    logsStep: (step) => step === 1 || step === run.steps || step % (run.logEvery ?? 10) === 0,
    restore(ckpt, file) {
      assignFrom(params, ckpt.model, `checkpoint ${file}`);
      optimizer.load(ckpt.optimizer, ckpt.state.step);
      tf.dispose(cache);
      cache = cache.map((_, i) => {
        const t = ckpt.buffers.get(`cache.${i}`);
        if (!t) throw new Error(`checkpoint ${file} lacks the attention cache of layer ${i}`);
        const [b, l, h] = t.shape as [number, number, number];
        if (b !== run.batch) {
          throw new Error(`checkpoint ${file}: attention cache of ${b} streams, the run has ${run.batch}`);
        }
        // This rank's rows of the whole batch's cache [B, L, H].
        const mine = (t.data as Float32Array).subarray(rows.start * l * h, (rows.start + rows.count) * l * h);
        return tf.tensor3d(mine, [rows.count, l, h]);
      });
      const rank = dp?.rank ?? 0;
      const saved = rank === 0 ? ckpt.state.modelRng : ckpt.state.rankRngs?.[rank - 1];
      // A rank the checkpoint did not have (resumed on more ranks) keeps its fresh stream.
      if (saved) modelRng.setState(saved);
      blocks = new TrainingBlocks(batchify(train, run.batch), m, { state: ckpt.state.blocks });
      return { step: ckpt.state.step, best: ckpt.state.bestValidLoss };
    },
    async beginStep() {
      block = blocks.next();
      if (block.reset) {
        tf.dispose(cache);
        cache = model.initCache(rows.count);
      }
      nextCache = [];
    },
    async microBatch(j, logging) {
      // Micro-batch j: streams s0 + [0, micro) of x, y: [B, M], and [j·micro, (j+1)·micro) of this rank's cache
      // [B / ranks, L, H].
      const s0 = rows.start + j * micro;
      const x = tf.tensor2d(block!.x.subarray(s0 * m, (s0 + micro) * m), [micro, m], 'int32');
      const y = tf.tensor2d(block!.y.subarray(s0 * m, (s0 + micro) * m), [micro, m], 'int32');
      const past = cache.map((c) => tf.slice(c, [j * micro, 0, 0], [micro, -1, -1]));
      let nll: tf.Scalar | null = null;
      let kept: tf.Tensor3D[] = [];
      const { value, grads } = tf.variableGrads(() => {
        const out = model.loss(x, y, past);
        kept = out.nextCache.map((t) => tf.keep(t));
        nll = tf.keep(out.nll);
        if (logging && j === 0) reports = keepLayerReports(out.layers);
        return tf.div(out.loss, run.batchSplit) as tf.Scalar;
      });
      nextCache.push(kept);
      const reading = (await nll!.data())[0]!;
      tf.dispose([x, y, value, nll!, ...past]);
      return { grads, readings: [reading] };
    },
    async endStep([loss], gradNorm, lr) {
      gradNorm.dispose();
      tf.dispose(cache);
      cache = nextCache[0]!.map((_, layer) =>
        run.batchSplit === 1
          ? nextCache[0]![layer]!
          : tf.concat(
              nextCache.map((c) => c[layer]!),
              0,
            ),
      );
      if (run.batchSplit > 1) tf.dispose(nextCache.flat());
      const layers = reports.length ? await readLayerReports(reports) : undefined;
      disposeLayerReports(reports);
      reports = [];
      return {
        record: { loss: loss!, ppl: Math.exp(loss!), lr, ...(layers ? { layers } : {}) },
        bar: { loss: loss!.toFixed(3) },
      };
    },
    async evaluate() {
      const loss = await evaluateLmShared(model, valid, run.evalBatch ?? run.batch, dp);
      return { record: { kind: 'valid', loss, ppl: Math.exp(loss) }, score: loss };
    },
    async checkpoint(step, best) {
      const [rank0, ...others] = dp ? await dp.gatherJson(modelRng.state()) : [modelRng.state()];
      const ranks = others.length ? { rankRngs: others } : {};
      const state: RunState = { run, step, blocks: blocks.state(), modelRng: rank0!, ...ranks, bestValidLoss: best };
      const buffers = await toTensorData(new Map(cache.map((c, i) => [`cache.${i}`, c])));
      if (dp) {
        // Rank 0 writes the whole batch's cache, so that any number of ranks can resume from it.
        for (const [name, t] of buffers) {
          const [, l, h] = t.shape;
          buffers.set(name, { ...t, shape: [run.batch, l!, h!], data: await dp.gatherRows(t.data as Float32Array) });
        }
      }
      return { model: await toTensorData(params), optimizer: await optimizer.state(), buffers, state };
    },
    dispose() {
      tf.dispose(cache);
      optimizer.dispose();
    },
  };
}

/**
 * Trains a language model on `train` ids, evaluating on `valid`, writing `metrics.jsonl`, `last.safetensors` (every
 * evaluation, for resume) and `best.safetensors` (the lowest validation loss) into `outDir`.
 * @example
 * ```ts
 * const result = await trainLm(run, corpus.splits.train.ids, corpus.splits.valid.ids, 'runs/momentum');
 * ```
 */
export async function trainLm(
  run: LmRunConfig,
  train: Int32Array,
  valid: Int32Array,
  outDir: string,
  options: LmTrainOptions = {},
): Promise<LmRunResult> {
  if (run.batch % run.batchSplit !== 0) {
    throw new Error(`batch ${run.batch} is not divisible by batch-split ${run.batchSplit}`);
  }
  const { dataParallel: dp, ...loopOptions } = options;
  const modelRng = new Rng(run.seed);
  const model = new SmoeLanguageModel(run.model, { rng: modelRng });
  // Each rank its own dropout stream; the weights come from rank 0 before the first step.
  if (dp && dp.rank > 0) modelRng.setState(rankRng(run.seed, dp.rank).state());
  if (options.initial) assignFrom(model.namedParameters(), options.initial, 'the --init weights');
  const task = lmTask(run, model, modelRng, train, valid, dp);
  const sync = dp && dp.size > 1 ? { sync: dp.stepSync(model.namedParameters()) } : {};
  const result = await runTrainingLoop(task, outDir, { ...loopOptions, ...sync, name: run.name });
  return {
    trainLoss: result.train.map((r) => r.loss as number),
    valid: result.evals.map((r) => ({ step: r.step, loss: r.loss as number, ppl: r.ppl as number })),
    model,
    tokensPerSecond: result.unitsPerSecond,
  };
}
