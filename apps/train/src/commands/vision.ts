/**
 * The vision side of `msmoe train`, `msmoe eval` and `msmoe compare`: V-MoE and Soft MoE presets on the embedded
 * MNIST digits or an ILSVRC-2012 folder, with the V-MoE recipe.
 * @module
 */
import { join } from 'node:path';
import { markdownTable, formatMeanStd } from '../report/table.js';
import { writeFileSync } from 'node:fs';
import type { TensorData } from '@momentum-smoe/core';
import { VISION_PRESET_NAMES, VisionMoE, visionPreset } from '@momentum-smoe/models';
import { UsageError, intFlag, numberFlag } from '../args.js';
import { loadVisionData, type VisionData } from '../data/vision-data.js';
import { evaluateVision, type VisionEvaluation } from '../training/vision-eval.js';
import { trainVision, type VisionRunConfig, type VisionRunResult } from '../training/vision-trainer.js';
import { runParallelJob, type ParallelPlan } from '../training/dp-launch.js';
import { loadCheckpoint } from '../training/checkpoint.js';
import { assignFrom } from '../training/tensor-data.js';
import { compareVision, type VisionVariantResult } from '../vision/compare-vision.js';
import { visionRecipe } from '../vision/recipe.js';
import { interruptSignal } from './common.js';

/** True when `name` is a vision preset (the commands then take the vision path). */
export function isVisionPreset(name: unknown): boolean {
  return typeof name === 'string' && (VISION_PRESET_NAMES as readonly string[]).includes(name);
}

/** Loads MNIST (`--corpus mnist`) or an ImageNet folder (`--data DIR`) at the model's input size. */
export async function visionData(data: string | undefined, imageSize: number, evalLimit?: number): Promise<VisionData> {
  const limit = evalLimit === undefined ? {} : { testLimit: evalLimit, evalLimit };
  return data === undefined ? loadVisionData({ corpus: 'mnist', ...limit }) : loadVisionData({ imagenet: data, imageSize, ...limit });
}

type Flags = Record<string, string | boolean | undefined>;

/** The run of `msmoe train --preset <vision preset>`: the preset's recipe, overridden by the common flags. */
export function visionRunFromFlags(flags: Flags): VisionRunConfig {
  const preset = String(flags.preset);
  const recipe = visionRecipe(preset);
  const steps = intFlag('train', 'steps', flags.steps) ?? recipe.steps;
  const batch = intFlag('train', 'batch', flags.batch) ?? recipe.batch;
  const batchSplit = intFlag('train', 'batch-split', flags['batch-split']) ?? 1;
  if (batch % batchSplit !== 0) throw new UsageError(`msmoe train: --batch ${batch} must be divisible by --batch-split ${batchSplit}`);
  return {
    name: preset,
    model: visionPreset(preset),
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
  console.log(`best top-1 ${(100 * best).toFixed(2)}%; metrics ${join(out, 'metrics.jsonl')}; weights ${join(out, 'best.safetensors')}`);
}

/** `msmoe eval --weights <vision checkpoint>`: top-1/top-5 and robustness. */
export async function evalVisionCommand(weights: string, flags: Flags): Promise<VisionEvaluation> {
  const ckpt = await loadCheckpoint<{ run: VisionRunConfig }>(weights);
  const model = new VisionMoE(ckpt.state.run.model, { seed: 0 });
  assignFrom(model.namedParameters(), ckpt.model, `checkpoint ${weights}`);
  const limit = intFlag('eval', 'images', flags.images);
  const data = await visionData(flags.data === undefined ? undefined : String(flags.data), ckpt.state.run.model.imageSize, limit);
  const result = await evaluateVision(model, data, {
    robustness: flags.robustness !== 'off',
    ...(flags['imagenet-a'] !== undefined ? { imagenetA: String(flags['imagenet-a']) } : {}),
    ...(flags['imagenet-r'] !== undefined ? { imagenetR: String(flags['imagenet-r']) } : {}),
    ...(flags['imagenet-c'] !== undefined ? { imagenetC: String(flags['imagenet-c']) } : {}),
  });
  model.dispose();
  return result;
}

/** The comparison table of vision runs: top-1 clean and, on MNIST, mean corrupted top-1 and mCE. */
export function visionTable(results: VisionVariantResult[]): string {
  const variants = [...new Set(results.map((r) => r.variant))];
  const rows = variants.map((v) => {
    const rs = results.filter((r) => r.variant === v);
    const corrupted = (r: VisionVariantResult) => {
      const all = Object.values(r.robustness?.top1 ?? {}).flat();
      return all.length ? (100 * all.reduce((a, b) => a + b, 0)) / all.length : NaN;
    };
    return [v, formatMeanStd(rs.map((r) => 100 * r.clean.top1)), formatMeanStd(rs.map((r) => 100 * r.clean.top5)), formatMeanStd(rs.map(corrupted)), formatMeanStd(rs.map((r) => r.robustness?.mCE ?? NaN))];
  });
  return markdownTable(['variant', 'top-1 %', 'top-5 %', 'corrupted top-1 %', 'mCE'], rows);
}

/** `msmoe compare --variants vmoe,momentum-vmoe,robust-vmoe --corpus mnist`. */
export async function compareVisionCommand(variants: string[], seeds: number[], flags: Flags, out: string): Promise<string> {
  const budget = visionRecipe(variants[0]!);
  const steps = intFlag('compare', 'steps', flags.steps) ?? budget.steps;
  const data = await visionData(flags.data === undefined ? undefined : String(flags.data), visionPreset(variants[0]!).imageSize);
  const results = await compareVision({
    variants,
    seeds,
    data,
    budget: { ...budget, steps, evalEvery: Math.max(1, Math.ceil(steps / 5)), warmup: Math.min(budget.warmup, Math.ceil(steps / 5)) },
    outDir: out,
    resume: flags.resume === true,
    signal: interruptSignal(),
  });
  const table = visionTable(results);
  writeFileSync(join(out, 'report.md'), `# msmoe vision comparison\n\n- data: ${data.source}\n- steps: ${steps}, seeds ${seeds.join(', ')}\n- mCE: normalised by ${variants[0]}'s errors (MNIST has no AlexNet reference)\n\n${table}\n`);
  writeFileSync(join(out, 'results.json'), JSON.stringify(results.map(({ trainLoss, ...r }) => ({ ...r, finalTrainLoss: trainLoss.at(-1) })), null, 2) + '\n');
  return table;
}
