/**
 * The vision training loop, V-MoE's recipe (../shared/PAPER.md §4.2): Adam (0.9, 0.999), decoupled weight decay on
 * kernels only, linear warm-up then linear decay to `endLr`, global-norm clipping, sigmoid cross-entropy plus the
 * routers' aux losses; periodic top-1/top-5 evaluation with the best checkpoint kept, routing statistics per MoE
 * block in `metrics.jsonl`, and exact resume (weights, Adam moments, step, data position, every router/expert
 * random generator).
 * @module
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { RngState } from '@momentum-smoe/core';
import { VisionMoE, type BlockRouting, type VisionMoEConfig } from '@momentum-smoe/models';
import { readMetrics, type MetricValues, type RoutingPlan } from '@momentum-smoe/routers';
import type { VisionData, VisionDataState } from '../data/vision-data.js';
import { MetricsLog } from '../report/metrics-log.js';
import { ProgressBar } from '../report/progress.js';
import { kernelDecayMask } from '../vision/weight-decay.js';
import { modelRngStates, setModelRngStates } from '../vision/model-rngs.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { BEST_CHECKPOINT, LAST_CHECKPOINT, type TrainOptions } from './run-options.js';
import { Adam } from './optimizer.js';
import { warmupLinearDecay } from './schedule.js';
import { assignFrom, toTensorData } from './tensor-data.js';
import { evaluateSplit } from './vision-eval.js';

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
  rngs: Record<string, RngState>;
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

/** Options of a run that are not part of its identity (shared by every trainer). */
export type VisionTrainOptions = TrainOptions;


/** Marks a block report's scalars and metrics to outlive the enclosing scope (dispose them after reading). */
function keepRouting(b: BlockRouting): BlockRouting {
  const metrics = Object.fromEntries(Object.entries(b.metrics).map(([k, t]) => [k, tf.keep(t as tf.Tensor)])) as unknown as BlockRouting['metrics'];
  return { ...b, auxLoss: tf.keep(b.auxLoss), metrics };
}

/** Per-block routing readings for the log (host sync: logging steps only). */
async function readRouting(blocks: BlockRouting[]): Promise<(MetricValues & { block: number; auxLoss: number })[]> {
  return Promise.all(
    // readMetrics reads only a plan's `metrics`, which a block report carries in the same form.
    blocks.map(async (b) => ({ block: b.block, auxLoss: (await b.auxLoss.data())[0]!, ...(await readMetrics({ metrics: b.metrics } as RoutingPlan)) })),
  );
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
export async function trainVision(run: VisionRunConfig, data: VisionData, outDir: string, options: VisionTrainOptions = {}): Promise<VisionRunResult> {
  const { imageSize: s, channels } = run.model;
  if (s !== data.imageSize || channels !== data.channels) {
    throw new Error(`model '${run.name}' takes ${s}×${s}×${channels} images but the data has ${data.imageSize}×${data.imageSize}×${data.channels}`);
  }
  if (run.model.numClasses !== data.classes.length) {
    throw new Error(`model '${run.name}' has ${run.model.numClasses} classes but the data has ${data.classes.length}`);
  }
  const model = new VisionMoE(run.model, { seed: run.seed });
  const params = model.namedParameters();
  const optimizer = new Adam(params, { beta1: 0.9, beta2: 0.999, weightDecay: run.weightDecay, decay: kernelDecayMask(params), clipNorm: run.clipNorm });
  const stream = data.train(run.batch, run.seed + 1);
  const log = new MetricsLog(join(outDir, 'metrics.jsonl'));
  let step = 0;
  let bestTop1: number | null = null;

  if (options.resume && existsSync(join(outDir, LAST_CHECKPOINT))) {
    const file = join(outDir, LAST_CHECKPOINT);
    const ckpt = await loadCheckpoint<RunState>(file);
    assignFrom(params, ckpt.model, `checkpoint ${file}`);
    optimizer.load(ckpt.optimizer, ckpt.state.step);
    setModelRngStates(model, ckpt.state.rngs, `checkpoint ${file}`);
    stream.restore(ckpt.state.data);
    step = ckpt.state.step;
    bestTop1 = ckpt.state.bestTop1;
    log.truncateAfter(step);
  } else {
    log.truncateAfter(0);
  }
  const history = log.read();
  const trainLoss = history.filter((r) => r.kind === 'train').map((r) => r.loss as number);
  const evals = history.filter((r) => r.kind === 'eval').map((r) => ({ step: r.step, top1: r.top1 as number, top5: r.top5 as number, loss: r.loss as number }));

  const schedule = warmupLinearDecay(run.lr, run.warmup, run.steps, run.endLr);
  const bar = options.progressLabel === null ? null : new ProgressBar(options.progressLabel ?? run.name, run.steps);
  const t0 = performance.now();
  const firstStep = step;
  const checkpoint = async (file: string) => {
    const state: RunState = { run, step, data: stream.state(), rngs: modelRngStates(model), bestTop1 };
    await saveCheckpoint(file, { model: await toTensorData(params), optimizer: await optimizer.state(), buffers: new Map(), state });
  };

  model.train(true);
  while (step < run.steps) {
    const batch = await stream.next();
    const lr = schedule(step + 1);
    const logging = (step + 1) % run.logEvery === 0 || step + 1 === run.steps;
    const x = tf.tensor4d(batch.images, [batch.count, s, s, channels]); // [B, S, S, C]
    // Mixup batches carry soft targets [B, classes]; the loss takes them in place of the labels [B].
    const y = batch.targets ? tf.tensor2d(batch.targets, [batch.count, run.model.numClasses]) : tf.tensor1d(batch.labels, 'int32');
    const kept: { classification?: tf.Scalar; aux?: tf.Scalar; blocks: BlockRouting[] } = { blocks: [] };
    const { value, grads } = tf.variableGrads(() => {
      const out = model.loss(x, y);
      // variableGrads disposes everything the closure made except its result: keep what the log reads.
      kept.classification = tf.keep(out.classification);
      kept.aux = tf.keep(out.auxLoss);
      if (logging) kept.blocks = out.blocks.map(keepRouting);
      return out.loss;
    });
    const gradNorm = optimizer.apply(grads, lr);
    const k = { ...kept, classification: kept.classification!, aux: kept.aux! };
    const [loss, classification, aux] = (await Promise.all([value.data(), k.classification.data(), k.aux.data()])).map((d) => d[0]!);
    const record: Record<string, unknown> = { loss: loss!, classification: classification!, aux: aux!, lr };
    if (logging) {
      record.gradNorm = (await gradNorm.data())[0]!;
      record.moe = await readRouting(k.blocks);
    }
    tf.dispose([x, y, value, gradNorm, k.classification, k.aux, ...Object.values(grads)]);
    for (const b of k.blocks) tf.dispose([b.auxLoss, ...Object.values(b.metrics)]);
    step++;

    trainLoss.push(loss!);
    const imagesPerSecond = ((step - firstStep) * run.batch) / ((performance.now() - t0) / 1000);
    log.write({ step, kind: 'train', ...record, imagesPerSecond });
    bar?.update(step, { loss: loss!.toFixed(4), 'img/s': imagesPerSecond.toFixed(1) });

    if (step % run.evalEvery === 0 || step === run.steps) {
      const v = await evaluateSplit(model, data.eval, { batch: run.evalBatch ?? 256 });
      evals.push({ step, top1: v.top1, top5: v.top5, loss: v.loss });
      log.write({ step, kind: 'eval', split: data.eval.name, top1: v.top1, top5: v.top5, loss: v.loss, images: v.count });
      if (bestTop1 === null || v.top1 > bestTop1) {
        bestTop1 = v.top1;
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
  optimizer.dispose();
  const seconds = (performance.now() - t0) / 1000;
  return { trainLoss, evals, model, imagesPerSecond: ((step - firstStep) * run.batch) / Math.max(seconds, 1e-9) };
}
