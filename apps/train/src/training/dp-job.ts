/**
 * What one rank of a data-parallel run does: the same job on every rank (a training run, a comparison, a benchmark),
 * each with its {@link DataParallel} group. Worker threads ({@link runJobOnWorkers}) and MPI processes run it alike.
 * @module
 */
import { initBackend, type BackendChoice, type TensorData } from '@momentum-smoe/core';
import { loadVisionData } from '../data/vision-data.js';
import type { VisionAugment } from '../vision/recipe.js';
import type { LmData } from '../data/lm-data.js';
import { compareVariants, type CompareOptions, type VariantResult } from './compare.js';
import type { DataParallel } from './data-parallel.js';
import { trainLm, type LmRunConfig, type LmRunResult } from './lm-trainer.js';
import { benchTrainStep, type BenchOptions, type BenchResult } from './bench-step.js';
import { trainVision, type VisionRunConfig, type VisionRunResult } from './vision-trainer.js';

/** `--init` weights by parameter name (structured-cloned to worker threads). */
type Initial = Map<string, TensorData>;

/** A job every rank runs. `stop` is a shared one-word flag: nonzero asks every rank to stop after a checkpoint. */
export type DpJob = { backend: string } & (
  | {
      kind: 'lm';
      run: LmRunConfig;
      train: Int32Array;
      valid: Int32Array;
      outDir: string;
      resume: boolean;
      initial?: Initial;
    }
  | { kind: 'vision'; run: VisionRunConfig; dataDir?: string; outDir: string; resume: boolean; initial?: Initial }
  | { kind: 'compare'; options: Omit<CompareOptions, 'signal' | 'data'>; data: LmData }
  | { kind: 'bench'; options: BenchOptions }
);

/** What rank 0 of a job returns (the models stay with the ranks). */
export type DpJobResult =
  | { kind: 'lm'; result: Omit<LmRunResult, 'model'> }
  | { kind: 'vision'; result: Omit<VisionRunResult, 'model'> }
  | { kind: 'compare'; results: VariantResult[] }
  | { kind: 'bench'; result: BenchResult };

/** An AbortSignal that fires once `flag[0]` (shared memory, set by the launching thread) becomes nonzero. */
export function sharedStopSignal(flag: Int32Array): AbortSignal {
  const controller = new AbortController();
  if (Atomics.load(flag, 0) !== 0) controller.abort();
  else {
    const timer = setInterval(() => {
      if (Atomics.load(flag, 0) === 0) return;
      controller.abort();
      clearInterval(timer);
    }, 100);
    timer.unref();
  }
  return controller.signal;
}

/** Runs `job` as rank `dp.rank`: starts the backend, then trains, compares or benchmarks. */
export async function runDpJob(dp: DataParallel, job: DpJob, signal?: AbortSignal): Promise<DpJobResult> {
  await initBackend({ backend: job.backend as BackendChoice, resolveFrom: import.meta.url, webgpu: false });
  // Rank 0 alone shows progress; every rank stops on the signal (the loop makes them agree on the step).
  const common = { dataParallel: dp, ...(dp.rank === 0 ? {} : { progressLabel: null }), ...(signal ? { signal } : {}) };
  switch (job.kind) {
    case 'lm': {
      const options = { resume: job.resume, ...(job.initial ? { initial: job.initial } : {}), ...common };
      const { model, ...result } = await trainLm(job.run, job.train, job.valid, job.outDir, options);
      model.dispose();
      return { kind: 'lm', result };
    }
    case 'vision': {
      const { imageSize } = job.run.model;
      const augment = (job.run as { augment?: VisionAugment | null }).augment ?? null;
      const spec =
        job.dataDir === undefined
          ? { corpus: 'mnist' as const, augment }
          : { imagenet: job.dataDir, imageSize, augment };
      const data = await loadVisionData(spec);
      const { model, ...result } = await trainVision(job.run, data, job.outDir, {
        resume: job.resume,
        ...(job.initial ? { initial: job.initial } : {}),
        ...common,
      });
      model.dispose();
      return { kind: 'vision', result };
    }
    case 'compare':
      return { kind: 'compare', results: await compareVariants({ ...job.options, data: job.data, ...common }) };
    case 'bench':
      return { kind: 'bench', result: await benchTrainStep(job.options, dp) };
  }
}
