/**
 * Trains several vision variants × seeds on the same data and evaluates each (clean top-1/top-5, and on MNIST the
 * corruption robustness with mCE normalised by the first variant): the engine for `msmoe compare` on images.
 * @module
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { visionPreset, type VisionMoEConfig } from '@momentum-smoe/models';
import type { VisionData } from '../data/vision-data.js';
import { corruptionMCE, evaluateVision, type MnistRobustness, type SplitAccuracy } from '../training/vision-eval.js';
import { trainVision, type VisionEvalRecord, type VisionRunConfig } from '../training/vision-trainer.js';
import type { VisionRecipe } from './recipe.js';
import { InterruptedError } from '../training/interrupt.js';

/** Short variant names → the preset family (`<family>-<size>`, size `mnist`, `s32` or `b32`). */
export const VISION_VARIANT_PRESETS: Record<string, string> = {
  vmoe: 'vmoe',
  'momentum-vmoe': 'momentum-vmoe',
  'robust-vmoe': 'robust-vmoe',
  softmoe: 'softmoe',
  'momentum-softmoe': 'momentum-softmoe',
};

/** One trained (variant, seed). */
export interface VisionVariantResult {
  /** The preset name. */
  variant: string;
  /** The run's seed. */
  seed: number;
  /** Training loss per step. */
  trainLoss: number[];
  /** Evaluations during training. */
  evals: VisionEvalRecord[];
  /** The final model on the held-out split. */
  clean: SplitAccuracy;
  /** MNIST only; `mCE` is normalised by the first variant's mean errors over seeds (so that variant reads ≈ 100). */
  robustness?: MnistRobustness;
  /** Training throughput. */
  imagesPerSecond: number;
  /** Wall-clock seconds of training in this process (evaluation excluded; a resumed run counts its resumed part). */
  trainSeconds: number;
  /** Scalar parameters of the model. */
  parameters: number;
}

/** Options of {@link compareVision}. */
export interface VisionCompareOptions {
  /** Preset names, e.g. `vmoe-mnist`, `momentum-vmoe-mnist`; the first is the mCE baseline. */
  variants: string[];
  /** Seeds per variant. */
  seeds: number[];
  /** The data every run trains and evaluates on. */
  data: VisionData;
  /** The optimiser budget shared by every run. */
  budget: VisionRecipe & { evalBatch?: number };
  /** Runs go in `outDir/<variant>/seed-<s>`. */
  outDir: string;
  /** Applied to every preset's config. */
  modelOverrides?: Partial<VisionMoEConfig>;
  /** The config of a variant (default `visionPreset(variant)`), before `modelOverrides`. */
  modelFor?: (variant: string) => VisionMoEConfig;
  /** Continue interrupted runs from their last checkpoints. */
  resume?: boolean;
  /** Stops the current run after a checkpoint (Ctrl-C). */
  signal?: AbortSignal;
}

/** Runs every variant × seed in turn (each in `outDir/<variant>/seed-<s>`) and returns the results. */
export async function compareVision(options: VisionCompareOptions): Promise<VisionVariantResult[]> {
  const { data, budget } = options;
  const results: VisionVariantResult[] = [];
  for (const variant of options.variants) {
    const model = { ...(options.modelFor ?? visionPreset)(variant), ...options.modelOverrides };
    for (const seed of options.seeds) {
      const run: VisionRunConfig = { name: `${variant} seed ${seed}`, model, seed, ...budget };
      const started = performance.now();
      const r = await trainVision(run, data, join(options.outDir, variant, `seed-${seed}`), {
        resume: options.resume ?? false,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const trainSeconds = (performance.now() - started) / 1000;
      if (options.signal?.aborted) {
        r.model.dispose();
        throw new InterruptedError(
          `interrupted during ${run.name} after a checkpoint; rerun with --resume to continue`,
        );
      }
      const ev = await evaluateVision(r.model, data, { batch: budget.evalBatch ?? 256 });
      results.push({
        variant,
        seed,
        trainLoss: r.trainLoss,
        evals: r.evals,
        clean: ev.clean,
        ...(ev.mnist ? { robustness: ev.mnist } : {}),
        imagesPerSecond: r.imagesPerSecond,
        trainSeconds,
        parameters: r.model.parameterCount(),
      });
      r.model.dispose();
      if (tf.memory().numTensors > 10_000)
        console.warn(`warning: ${tf.memory().numTensors} tensors alive after ${run.name}`);
    }
  }
  const base = results.filter((r) => r.variant === options.variants[0] && r.robustness);
  if (base.length) {
    const errors = Object.fromEntries(
      Object.keys(base[0]!.robustness!.errors).map((c) => [
        c,
        [0, 1, 2, 3, 4].map((s) => base.reduce((a, r) => a + r.robustness!.errors[c]![s]!, 0) / base.length),
      ]),
    );
    const baseline = { name: `${options.variants[0]} (mean over ${base.length} seeds)`, errors };
    for (const r of results)
      if (r.robustness)
        r.robustness = { ...r.robustness, mCE: corruptionMCE(r.robustness.errors, baseline), baseline: baseline.name };
  }
  return results;
}
