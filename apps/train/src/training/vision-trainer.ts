/**
 * The vision half of the training loop, V-MoE's recipe (`docs/paper-notes.md#v-moe-imagenet-recipe`): Adam
 * (0.9, 0.999), decoupled weight decay on kernels only, linear warm-up then linear decay to `endLr`, global-norm
 * clipping, sigmoid cross-entropy plus the routers' aux losses, gradient accumulation over micro-batches; periodic
 * top-1/top-5 evaluation with the best checkpoint kept, routing statistics per MoE block in `metrics.jsonl`, and exact
 * resume (weights, Adam moments, step, data position, every router/expert random generator).
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import type { RngState } from '@momentum-smoe/core';
import { VisionMoE, type BlockRouting, type VisionMoEConfig } from '@momentum-smoe/models';
import { readMetrics, type MetricValues, type RoutingPlan } from '@momentum-smoe/routers';
import type { VisionBatch, VisionData, VisionDataState } from '../data/vision-data.js';
import { kernelDecayMask } from '../vision/weight-decay.js';
import { modelRngs, modelRngStates, setModelRngStates } from '../vision/model-rngs.js';
import { DataParallelError, rankRng, type DataParallel } from './data-parallel.js';
import { runTrainingLoop, type TrainTask } from './loop.js';
import type { TrainOptions } from './run-options.js';
import { Adam } from './optimizer.js';
import { warmupLinearDecay } from './schedule.js';
import { assignFrom, toTensorData } from './tensor-data.js';
import { evaluateSplitShared } from './vision-shared-eval.js';

/** Everything a vision run needs besides data (see `visionRecipe` for the presets' values). */
export interface VisionRunConfig {
  /** Name for logs and reports. */
  name: string;
  /** The model (e.g. `visionPreset('vmoe-mnist')`). */
  model: VisionMoEConfig;
  /** Optimiser steps. */
  steps: number;
  /** Images per step. */
  batch: number;
  /** Micro-batches per step (gradient accumulation); must divide `batch` (default 1). */
  batchSplit?: number;
  /** Peak learning rate. */
  lr: number;
  /** Linear warm-up steps. */
  warmup: number;
  /** Learning rate at the last step (V-MoE: 1e-5). */
  endLr: number;
  /** Decoupled weight decay on kernels. */
  weightDecay: number;
  /** Global gradient-norm clip (V-MoE: 1.0). */
  clipNorm: number;
  /** Seeds the model's weights, router noise and dropout, and the data order. */
  seed: number;
  /** Evaluate and write `last.safetensors` every this many steps (and at the end). */
  evalEvery: number;
  /** Log routing statistics and the gradient norm every this many steps. */
  logEvery: number;
  /** Images per evaluation batch (default 256). */
  evalBatch?: number;
}

/** The JSON part of a checkpoint. */
interface RunState {
  run: VisionRunConfig;
  step: number;
  data: VisionDataState;
  /** Rank 0's router and expert generators (the only ones of a one-process run). */
  rngs: Record<string, RngState>;
  /** Data-parallel runs: the generators of ranks 1, 2, …. */
  rankRngs?: Record<string, RngState>[];
  bestTop1: number | null;
}

/** One evaluation during training. */
export interface VisionEvalRecord {
  /** Steps trained when evaluated. */
  step: number;
  /** Top-1 and top-5 accuracy on the held-out split, in [0, 1]. */
  top1: number;
  /** See `top1`. */
  top5: number;
  /** Mean sigmoid cross-entropy per held-out image. */
  loss: number;
}

/** What {@link trainVision} returns. */
export interface VisionRunResult {
  /** Training loss (classification + aux) per step, including steps run before a resume. */
  trainLoss: number[];
  /** Evaluations in step order, including those before a resume. */
  evals: VisionEvalRecord[];
  /** The trained model, in training mode (the caller disposes it). */
  model: VisionMoE;
  /** Training images per second over this process's steps. */
  imagesPerSecond: number;
}

/** Options of a run that are not part of its identity: the shared {@link TrainOptions}, and the ranks. */
export interface VisionTrainOptions extends TrainOptions {
  /** Train data-parallel over these ranks (`batch` is then the global number of images per step). */
  dataParallel?: DataParallel;
}

/** Marks a block report's scalars and metrics to outlive the enclosing scope (dispose them after reading). */
function keepRouting(b: BlockRouting): BlockRouting {
  const metrics = Object.fromEntries(
    Object.entries(b.metrics).map(([k, t]) => [k, tf.keep(t as tf.Tensor)]),
  ) as unknown as BlockRouting['metrics'];
  return { ...b, auxLoss: tf.keep(b.auxLoss), metrics };
}

/** Per-block routing readings for the log (host sync: logging steps only). */
async function readRouting(blocks: BlockRouting[]): Promise<(MetricValues & { block: number; auxLoss: number })[]> {
  return Promise.all(
    // readMetrics reads only a plan's `metrics`, which a block report carries in the same form.
    blocks.map(async (b) => ({
      block: b.block,
      auxLoss: (await b.auxLoss.data())[0]!,
      ...(await readMetrics({ metrics: b.metrics } as RoutingPlan)),
    })),
  );
}

/** The vision model's half of the training loop. */
function visionTask(run: VisionRunConfig, model: VisionMoE, data: VisionData, dp?: DataParallel): TrainTask<RunState> {
  const { imageSize: s, channels } = run.model;
  const split = run.batchSplit ?? 1;
  // This rank's images [rows.start, rows.start + rows.count) of every global batch (each rank reads the whole batch).
  const rows = dp ? dp.share(run.batch, '--batch') : { start: 0, count: run.batch };
  if (rows.count % split !== 0) {
    throw new DataParallelError(`${rows.count} images per rank are not divisible by --batch-split ${split}`);
  }
  const micro = rows.count / split;
  const rank = dp?.rank ?? 0;
  const params = model.namedParameters();
  const decay = kernelDecayMask(params);
  const optimizer = new Adam(params, {
    beta1: 0.9,
    beta2: 0.999,
    weightDecay: run.weightDecay,
    decay,
    clipNorm: run.clipNorm,
  });
  const stream = data.train(run.batch, run.seed + 1);
  let batch: VisionBatch | null = null;
  // Routing readings of the first micro-batch, kept on logging steps only.
  let routing: BlockRouting[] = [];
  return {
    steps: run.steps,
    batchSplit: split,
    evalEvery: run.evalEvery,
    higherIsBetter: true,
    optimizer,
    units: { perStep: run.batch, rateKey: 'imagesPerSecond', barKey: 'img/s' },
    learningRate: warmupLinearDecay(run.lr, run.warmup, run.steps, run.endLr),
    logsStep: (step) => step % run.logEvery === 0 || step === run.steps,
    restore(ckpt, file) {
      assignFrom(params, ckpt.model, `checkpoint ${file}`);
      optimizer.load(ckpt.optimizer, ckpt.state.step);
      const rngs = rank === 0 ? ckpt.state.rngs : ckpt.state.rankRngs?.[rank - 1];
      // A rank the checkpoint did not have (resumed on more ranks) keeps its fresh generators.
      if (rngs) setModelRngStates(model, rngs, `checkpoint ${file}`);
      stream.restore(ckpt.state.data);
      return { step: ckpt.state.step, best: ckpt.state.bestTop1 };
    },
    async beginStep() {
      batch = await stream.next();
    },
    async microBatch(j, logging) {
      const px = s * s * channels;
      // Micro-batch j: images i0 + [0, b) of the step's batch, b = batch / (ranks · batchSplit).
      const i0 = rows.start + j * micro;
      const images = batch!.images.subarray(i0 * px, (i0 + micro) * px);
      const x = tf.tensor4d(images, [micro, s, s, channels]); // [b, S, S, C]
      // Mixup batches carry soft targets [b, classes]; the loss takes them in place of the labels [b].
      const C = run.model.numClasses;
      const targets = batch!.targets?.subarray(i0 * C, (i0 + micro) * C);
      const y = targets
        ? tf.tensor2d(targets, [micro, C])
        : tf.tensor1d(batch!.labels.subarray(i0, i0 + micro), 'int32');
      const kept: { loss?: tf.Scalar; classification?: tf.Scalar; aux?: tf.Scalar } = {};
      const { value, grads } = tf.variableGrads(() => {
        const out = model.loss(x, y);
        // variableGrads disposes everything the closure made except its result: keep what the log reads.
        kept.loss = tf.keep(out.loss);
        kept.classification = tf.keep(out.classification);
        kept.aux = tf.keep(out.auxLoss);
        if (logging && j === 0) routing = out.blocks.map(keepRouting);
        return (split === 1 ? out.loss : tf.div(out.loss, split)) as tf.Scalar;
      });
      const read = [kept.loss!, kept.classification!, kept.aux!].map((t) => t.data());
      const readings = (await Promise.all(read)).map((d) => d[0]!);
      tf.dispose([x, y, value, kept.loss!, kept.classification!, kept.aux!]);
      return { grads, readings };
    },
    async endStep([loss, classification, aux], gradNorm, lr, logging) {
      const record: Record<string, unknown> = { loss: loss!, classification: classification!, aux: aux!, lr };
      if (logging) {
        record.gradNorm = (await gradNorm.data())[0]!;
        record.moe = await readRouting(routing);
      }
      gradNorm.dispose();
      for (const b of routing) tf.dispose([b.auxLoss, ...(Object.values(b.metrics) as tf.Tensor[])]);
      routing = [];
      return { record, bar: { loss: loss!.toFixed(4) } };
    },
    async evaluate() {
      const v = await evaluateSplitShared(model, data.eval, run.evalBatch ?? 256, dp);
      const record = { kind: 'eval', split: data.eval.name, top1: v.top1, top5: v.top5, loss: v.loss, images: v.count };
      return { record, score: v.top1 };
    },
    async checkpoint(step, best) {
      const [rngs, ...others] = dp ? await dp.gatherJson(modelRngStates(model)) : [modelRngStates(model)];
      const ranks = others.length ? { rankRngs: others } : {};
      const state: RunState = { run, step, data: stream.state(), rngs: rngs!, ...ranks, bestTop1: best };
      return { model: await toTensorData(params), optimizer: await optimizer.state(), buffers: new Map(), state };
    },
    dispose() {
      optimizer.dispose();
    },
  };
}

/**
 * Trains a `VisionMoE` on `data`, writing `metrics.jsonl` (per step: loss, classification, aux, lr, images/s;
 * every `logEvery` steps also the gradient norm and per MoE block tokens per expert, routing entropy and drop rate;
 * per evaluation: top-1, top-5, loss), `last.safetensors` (every evaluation, for resume) and `best.safetensors`
 * (highest held-out top-1) into `outDir`.
 * @example
 * ```ts
 * const run = { name: 'vmoe-mnist', model: visionPreset('vmoe-mnist'), seed: 1, ...visionRecipe('vmoe-mnist') };
 * const result = await trainVision(run, await loadVisionData({ corpus: 'mnist' }), 'runs/vmoe-mnist');
 * ```
 */
export async function trainVision(
  run: VisionRunConfig,
  data: VisionData,
  outDir: string,
  options: VisionTrainOptions = {},
): Promise<VisionRunResult> {
  const { imageSize: s, channels } = run.model;
  if (s !== data.imageSize || channels !== data.channels) {
    throw new Error(
      `model '${run.name}' takes ${s}×${s}×${channels} images ` +
        `but the data has ${data.imageSize}×${data.imageSize}×${data.channels}`,
    );
  }
  if (run.model.numClasses !== data.classes.length) {
    throw new Error(`model '${run.name}' has ${run.model.numClasses} classes but the data has ${data.classes.length}`);
  }
  if (run.batch % (run.batchSplit ?? 1) !== 0) {
    throw new Error(`batch ${run.batch} is not divisible by batch-split ${run.batchSplit}`);
  }
  const { dataParallel: dp, ...loopOptions } = options;
  const model = new VisionMoE(run.model, { seed: run.seed });
  if (options.initial) assignFrom(model.namedParameters(), options.initial, 'the --init weights');
  model.train(true);
  // Each rank its own router noise and expert dropout; the weights come from rank 0 before the first step.
  if (dp && dp.rank > 0) {
    [...modelRngs(model).values()].forEach((rng, i) => rng.setState(rankRng(run.seed, dp.rank, i).state()));
  }
  const sync = dp && dp.size > 1 ? { sync: dp.stepSync(model.namedParameters()) } : {};
  const task = visionTask(run, model, data, dp);
  const result = await runTrainingLoop(task, outDir, { ...loopOptions, ...sync, name: run.name });
  return {
    trainLoss: result.train.map((r) => r.loss as number),
    evals: result.evals.map((r) => ({
      step: r.step,
      top1: r.top1 as number,
      top5: r.top5 as number,
      loss: r.loss as number,
    })),
    model,
    imagesPerSecond: result.unitsPerSecond,
  };
}
