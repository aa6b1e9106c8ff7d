/**
 * The vision side of `msmoe train`, `msmoe eval` and `msmoe compare`: V-MoE and Soft MoE presets on the embedded
 * MNIST digits or an ILSVRC-2012 folder, with the V-MoE recipe.
 * @module
 */
import { join } from 'node:path';
import { VISION_PRESET_NAMES, VisionMoE, visionPreset } from '@momentum-smoe/models';
import type { TensorData } from '@momentum-smoe/core';
import { UsageError, intFlag, numberFlag } from '../args.js';
import { loadVisionData, type VisionData } from '../data/vision-data.js';
import { evaluateVision, type VisionEvaluation } from '../training/vision-eval.js';
import { trainVision, type VisionRunConfig, type VisionRunResult } from '../training/vision-trainer.js';
import { runParallelJob, type ParallelPlan } from '../training/dp-launch.js';
import { loadCheckpoint } from '../training/checkpoint.js';
import { assignFrom } from '../training/tensor-data.js';
import { compareVision } from '../vision/compare-vision.js';
import { MNIST_CORRUPTIONS } from '../vision/mnist-corruptions.js';
import { visionTable, writeVisionReport } from '../vision/vision-report.js';
import { visionRecipe, type VisionAugment } from '../vision/recipe.js';
import { overrideVisionConfig } from '../vision/model-overrides.js';
import { interruptSignal } from './common.js';

/** True when `name` is a vision preset (the commands then take the vision path). */
export function isVisionPreset(name: unknown): boolean {
  return typeof name === 'string' && (VISION_PRESET_NAMES as readonly string[]).includes(name);
}

/**
 * Loads MNIST (`--corpus mnist`) or an ImageNet folder (`--data DIR`) at the model's input size; the training stream
 * applies `augment` (the folder pipeline, or MNIST's digit shifts).
 */
export async function visionData(
  data: string | undefined,
  imageSize: number,
  evalLimit?: number,
  augment?: VisionAugment | null,
): Promise<VisionData> {
  const limit = evalLimit === undefined ? {} : { testLimit: evalLimit, evalLimit };
  if (data === undefined) return loadVisionData({ corpus: 'mnist', ...limit, augment: augment ?? null });
  return loadVisionData({ imagenet: data, imageSize, ...limit, augment: augment ?? null });
}

/** A vision run with its recipe's augmentations (absent in run folders written before they existed). */
export type AugmentedRun = VisionRunConfig & { augment?: VisionAugment | null };

type Flags = Record<string, string | boolean | undefined>;

/** The run of `msmoe train --preset <vision preset>`: the preset's recipe, overridden by the common flags. */
export function visionRunFromFlags(flags: Flags): VisionRunConfig {
  const preset = String(flags.preset);
  const recipe = visionRecipe(preset);
  const steps = intFlag('train', 'steps', flags.steps) ?? recipe.steps;
  const batch = intFlag('train', 'batch', flags.batch) ?? recipe.batch;
  const batchSplit = intFlag('train', 'batch-split', flags['batch-split']) ?? 1;
  if (batch % batchSplit !== 0)
    throw new UsageError(`msmoe train: --batch ${batch} must be divisible by --batch-split ${batchSplit}`);
  return {
    name: preset,
    model:
      flags.config === undefined
        ? visionPreset(preset)
        : overrideVisionConfig(visionPreset(preset), String(flags.config)),
    seed: intFlag('train', 'seed', flags.seed, { min: 0 })!,
    ...recipe,
    steps,
    batch,
    batchSplit,
    lr: numberFlag('train', 'lr', flags.lr) ?? recipe.lr,
    warmup: intFlag('train', 'warmup', flags.warmup, { min: 0 }) ?? recipe.warmup,
    evalEvery: Math.min(steps, intFlag('train', 'eval-every', flags['eval-every']) ?? recipe.evalEvery),
  };
}

/**
 * A vision run's data (with the run's augmentations) and the run fitted to it: a new run's classifier head follows
 * the data's classes (as the vocabulary follows the corpus); a resumed run must find the classes it was trained on.
 */
export async function loadVisionRun(
  given: AugmentedRun,
  dataDir: string | undefined,
  resume: boolean,
  out: string,
): Promise<{ run: AugmentedRun; data: VisionData }> {
  const data = await visionData(dataDir, given.model.imageSize, undefined, given.augment);
  const classes = data.classes.length;
  const run =
    resume || given.model.numClasses === classes ? given : { ...given, model: { ...given.model, numClasses: classes } };
  if (run.model.numClasses !== classes) {
    throw new UsageError(
      `msmoe train: the run in ${out} has ${run.model.numClasses} classes but ${data.source} has ${classes}; ` +
        'resume it on its own data, or start a new run with --out',
    );
  }
  return { run, data };
}

/** How {@link trainVisionCommand} runs: from `--init` weights, on Ctrl-C's signal, data-parallel over a plan. */
export interface VisionTrainRun {
  initial?: Map<string, TensorData>;
  signal: AbortSignal;
  parallel: { plan: ParallelPlan; backend: string };
}

/**
 * Trains (or resumes) a vision run in `out` on `data` (loaded by {@link visionData} from `dataDir`, or MNIST), in this
 * process or data-parallel as `how.parallel.plan` says (each rank then loads the data itself).
 */
export async function trainVisionCommand(
  run: VisionRunConfig,
  data: VisionData,
  dataDir: string | undefined,
  out: string,
  resume: boolean,
  how: VisionTrainRun,
): Promise<void> {
  console.error(`data: ${data.source} (${data.classes.length} classes, evaluation on ${data.eval.name})`);
  const { signal, parallel } = how;
  const initial = how.initial ? { initial: how.initial } : {};
  let result: Omit<VisionRunResult, 'model'>;
  if (parallel.plan.mode === 'single') {
    const { model, ...r } = await trainVision(run, data, out, { resume, signal, ...initial });
    model.dispose();
    result = r;
  } else {
    const source = dataDir === undefined ? {} : { dataDir };
    const job = { kind: 'vision' as const, backend: parallel.backend, run, ...source, outDir: out, resume, ...initial };
    const done = await runParallelJob(parallel.plan, job, signal);
    if (done?.kind !== 'vision') return; // an MPI rank other than 0: rank 0 reports
    result = done.result;
  }
  if (signal.aborted) console.log(`interrupted after a checkpoint; continue with: msmoe train --resume ${out}`);
  const best = result.evals.reduce((b, e) => Math.max(b, e.top1), 0);
  console.log(
    `best top-1 ${(100 * best).toFixed(2)}%; metrics ${join(out, 'metrics.jsonl')}; ` +
      `weights ${join(out, 'best.safetensors')}`,
  );
}

/** `msmoe eval --weights <vision checkpoint>`: top-1/top-5 and robustness. */
export async function evalVisionCommand(weights: string, flags: Flags): Promise<VisionEvaluation> {
  const ckpt = await loadCheckpoint<{ run: VisionRunConfig }>(weights);
  const model = new VisionMoE(ckpt.state.run.model, { seed: 0 });
  assignFrom(model.namedParameters(), ckpt.model, `checkpoint ${weights}`);
  const limit = intFlag('eval', 'images', flags.images);
  const data = await visionData(
    flags.data === undefined ? undefined : String(flags.data),
    ckpt.state.run.model.imageSize,
    limit,
  );
  if (data.classes.length !== model.config.numClasses) {
    model.dispose();
    throw new UsageError(
      `msmoe eval: --weights ${weights} classifies ${model.config.numClasses} classes ` +
        `but ${data.source} has ${data.classes.length}; ` +
        'evaluate on the folder the model was trained on (or one with the same classes)',
    );
  }
  const result = await evaluateVision(model, data, {
    robustness: flags.robustness !== 'off',
    ...(flags['imagenet-a'] !== undefined ? { imagenetA: String(flags['imagenet-a']) } : {}),
    ...(flags['imagenet-r'] !== undefined ? { imagenetR: String(flags['imagenet-r']) } : {}),
    ...(flags['imagenet-c'] !== undefined ? { imagenetC: String(flags['imagenet-c']) } : {}),
  });
  model.dispose();
  return result;
}

/** `msmoe compare --variants vmoe,momentum-vmoe,robust-vmoe --corpus mnist`. */
export async function compareVisionCommand(
  variants: string[],
  seeds: number[],
  flags: Flags,
  out: string,
): Promise<string> {
  const recipe = visionRecipe(variants[0]!);
  const budget = {
    ...recipe,
    batch: intFlag('compare', 'batch', flags.batch) ?? recipe.batch,
    lr: numberFlag('compare', 'lr', flags.lr) ?? recipe.lr,
    warmup: intFlag('compare', 'warmup', flags.warmup, { min: 0 }) ?? recipe.warmup,
  };
  const steps = intFlag('compare', 'steps', flags.steps) ?? budget.steps;
  const modelFor = (v: string) =>
    flags.config === undefined
      ? visionPreset(v)
      : overrideVisionConfig(visionPreset(v), String(flags.config), 'compare');
  const data = await visionData(
    flags.data === undefined ? undefined : String(flags.data),
    modelFor(variants[0]!).imageSize,
    undefined,
    budget.augment,
  );
  const results = await compareVision({
    variants,
    seeds,
    data,
    modelFor,
    modelOverrides: { numClasses: data.classes.length },
    budget: {
      ...budget,
      steps,
      evalEvery: Math.max(1, Math.ceil(steps / 5)),
      warmup: Math.min(budget.warmup, Math.ceil(steps / 5)),
    },
    outDir: out,
    resume: flags.resume === true,
    signal: interruptSignal(),
  });
  const corrupted =
    data.kind === 'mnist'
      ? `mean over ${MNIST_CORRUPTIONS.join(', ')} at severities 1–5`
      : 'not evaluated (give msmoe eval the ImageNet-C folder)';
  writeVisionReport(out, results, {
    data: data.source,
    budget:
      `${steps} steps × ${budget.batch} images, lr ${budget.lr}, ` +
      `warm-up ${Math.min(budget.warmup, Math.ceil(steps / 5))}, seeds ${seeds.join(', ')}`,
    'corrupted top-1': corrupted,
    mCE: `ImageNet-C's formula with ${variants[0]}'s errors in place of AlexNet's (so ${variants[0]} reads 100)`,
  });
  return visionTable(results);
}
