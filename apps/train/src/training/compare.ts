/**
 * Trains several language-model variants on the same data and seeds and evaluates each on clean and attacked
 * valid/test with the official full evaluation: the engine behind `msmoe` (default run) and `msmoe compare`.
 * @module
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { lmPreset, type LmConfig, type LmLayerValues } from '@momentum-smoe/models';
import { MetricsLog, type MetricsRecord } from '../report/metrics-log.js';
import type { LmData } from '../data/lm-data.js';
import type { DataParallel } from './data-parallel.js';
import { evaluateLmShared } from './lm-shared-eval.js';
import { trainLm, type LmRunConfig } from './lm-trainer.js';
import { writeVocab } from '../data/run-models.js';
import { InterruptedError } from './interrupt.js';

/** The training budget shared by every variant. */
export interface CompareBudget {
  steps: number;
  batch: number;
  batchSplit: number;
  lr: number;
  warmup: number;
  evalEvery: number;
  evalBatch: number;
  /** Evaluate on only the first N tokens of each split (a reduced budget; omit for the full official evaluation). */
  evalTokens?: number;
}

/** One trained (variant, seed). */
export interface VariantResult {
  variant: string;
  seed: number;
  trainLoss: number[];
  valid: { step: number; ppl: number }[];
  ppl: { valid: number; test: number; validAttacked?: number; testAttacked?: number };
  tokensPerSecond: number;
  parameters: number;
  /** Per-MoE-layer routing and momentum statistics at the last logged step. */
  layers: LmLayerValues[];
}

/** Options of {@link compareVariants}. */
export interface CompareOptions {
  /** Preset names, e.g. `smoe-tiny`, `momentum-smoe-tiny`. */
  variants: string[];
  seeds: number[];
  data: LmData;
  budget: CompareBudget;
  outDir: string;
  /** Overrides applied to every preset's model config (besides `vocab`, which comes from the data). */
  modelOverrides?: Partial<LmConfig>;
  resume?: boolean;
  signal?: AbortSignal;
  /** Train and evaluate every run data-parallel over these ranks (rank 0 reads the logs). */
  dataParallel?: DataParallel;
}

/** The training speed a run logged last (tokens/s), NaN if it logged none. */
function loggedSpeed(log: MetricsRecord[]): number {
  return (log.findLast((r) => r.kind === 'train')?.tokensPerSecond as number | undefined) ?? NaN;
}

/** Runs every variant × seed in turn (each in `outDir/<variant>/seed-<s>`) and returns the results. */
export async function compareVariants(options: CompareOptions): Promise<VariantResult[]> {
  const { data, budget } = options;
  const head = (ids: Int32Array) => (budget.evalTokens === undefined ? ids : ids.subarray(0, budget.evalTokens));
  const results: VariantResult[] = [];
  for (const variant of options.variants) {
    const preset = lmPreset(variant, { ...options.modelOverrides, vocab: data.vocab });
    for (const seed of options.seeds) {
      const { evalTokens: _, ...trainBudget } = budget;
      const run: LmRunConfig = { name: `${variant} seed ${seed}`, model: preset.model, seed, ...trainBudget };
      const dir = join(options.outDir, variant, `seed-${seed}`);
      const dp = options.dataParallel;
      if (!dp || dp.rank === 0) await writeVocab(dir, data.words);
      const r = await trainLm(run, data.clean.train, head(data.clean.valid), dir, {
        resume: options.resume ?? false,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(dp ? { dataParallel: dp, ...(dp.rank > 0 ? { progressLabel: null } : {}) } : {}),
      });
      if (options.signal?.aborted) {
        r.model.dispose();
        throw new InterruptedError(
          `interrupted during ${run.name} after a checkpoint; rerun with --resume to continue`,
        );
      }
      const logged = new MetricsLog(join(dir, 'metrics.jsonl')).read();
      const ev = async (ids: Int32Array) => Math.exp(await evaluateLmShared(r.model, head(ids), budget.evalBatch, dp));
      results.push({
        variant,
        seed,
        trainLoss: r.trainLoss,
        valid: r.valid.map(({ step, ppl }) => ({ step, ppl })),
        ppl: {
          // trainLm evaluated the same tokens with the same batch at its last step: reuse that instead of recomputing
          // (data-parallel ranks other than 0 do not read the log, so they recompute it together).
          valid: !dp && r.valid.at(-1)?.step === budget.steps ? r.valid.at(-1)!.ppl : await ev(data.clean.valid),
          test: await ev(data.clean.test),
          ...(data.attacked
            ? { validAttacked: await ev(data.attacked.valid), testAttacked: await ev(data.attacked.test) }
            : {}),
        },
        // A run that had finished before a resumed comparison trains no step now: its speed is the one it logged.
        tokensPerSecond: r.tokensPerSecond > 0 ? r.tokensPerSecond : loggedSpeed(logged),
        parameters: r.model.parameterCount(),
        layers: (logged.findLast((rec) => rec.layers)?.layers as LmLayerValues[] | undefined) ?? [],
      });
      r.model.dispose();
      if (tf.memory().numTensors > 10_000)
        console.warn(`warning: ${tf.memory().numTensors} tensors alive after ${run.name}`);
    }
  }
  return results;
}
