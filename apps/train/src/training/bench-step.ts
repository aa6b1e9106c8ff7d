/**
 * `msmoe bench train-step`: the median time of one language-model training step (forward, backward, the gradient
 * all-reduce when data-parallel, Adam) on random tokens, and the all-reduce's share of it.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@momentum-smoe/core';
import { SmoeLanguageModel, type LmConfig } from '@momentum-smoe/models';
import type { DataParallel } from './data-parallel.js';
import type { StepSync } from './loop.js';
import { Adam } from './optimizer.js';
import { tokenSteps, type TokenSteps } from '../bench/train-step.js';

/** What to time. */
export interface BenchOptions {
  config: LmConfig;
  /** Parallel streams per step over all ranks. */
  batch: number;
  /** Untimed steps first. */
  warmup: number;
  /** Timed steps (the median is reported). */
  reps: number;
  /**
   * With two or more ranks, also time, interleaved with the data-parallel steps, rank 0 alone stepping on the whole
   * batch (the others idle) and every rank stepping on its share without the all-reduce, in lockstep and free-running
   * ({@link PairedResult}).
   */
  paired?: boolean;
}

/**
 * The data-parallel step against one rank and against ranks that do not communicate, measured in one run: each
 * repetition times one step of each kind, in an order that rotates, so that load drifting over the run affects all
 * alike. Speed-ups are medians over repetitions of one worker's step time over the other kind's (per step of the same
 * global batch). The data-parallel step cannot beat the lockstep one (it does the same and the all-reduce); the
 * lockstep one falls short of the free-running one by what waiting each step for the slowest rank costs.
 */
export interface PairedResult {
  /** Rank 0 alone on the whole global batch while the other ranks idle: what one worker does on this machine. */
  one_worker_tokens_per_s: number;
  /** Every rank on its share with no all-reduce (each its own update), meeting at a barrier after the step. */
  lockstep_tokens_per_s: number;
  /** Every rank three steps on its share in a row with no all-reduce and no barrier between them. */
  free_running_tokens_per_s: number;
  /** The data-parallel speed-up over one worker. */
  speedup: number;
  /** The speed-up of the lockstep ranks: the most a synchronous data-parallel step could reach here. */
  lockstep_speedup: number;
  /** The speed-up of the free-running ranks: what this machine's cores give when nobody waits for anybody. */
  free_running_speedup: number;
}

/** Rank 0's timings (every rank waits for the others at each all-reduce, so the ranks' steps line up). */
export interface BenchResult {
  tokens_per_s: number;
  step_ms: number;
  /** Median time of the gradient all-reduce per step, with the copies into and out of the flat buffer. */
  allreduce_ms: number;
  /** `allreduce_ms / step_ms`. */
  allreduce_share: number;
  /** Ranks (1 without data parallelism). */
  workers: number;
  /** Bytes of gradient each rank sends into the all-reduce per step. */
  gradient_bytes: number;
  backend: string;
  /** With {@link BenchOptions.paired}. */
  paired?: PairedResult;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Times `options.reps` steps after `options.warmup` untimed ones, data-parallel over `dp` when given. */
export async function benchTrainStep(options: BenchOptions, dp?: DataParallel): Promise<BenchResult> {
  const { config, batch } = options;
  const local = dp ? dp.share(batch, '--batch').count : batch;
  // Each rank its own tokens; the weights come from rank 0.
  const rng = new Rng(dp?.rank ?? 0);
  const model = new SmoeLanguageModel(config, { rng });
  const params = model.namedParameters();
  const optimizer = new Adam(params);
  const sync = dp && dp.size > 1 ? dp.stepSync(params) : null;
  await sync?.prepare();
  const m = config.blockSize;
  const stepper = (rows: number, withSync: StepSync | null) => tokenSteps(model, optimizer, rows, rng, withSync);
  const main = stepper(local, sync);
  const paired =
    options.paired && dp && dp.size > 1 ? pairedSteps(dp, stepper(batch, null), stepper(local, null)) : null;
  for (let i = 0; i < options.warmup; i++) {
    await main.step();
    if (paired) for (const phase of paired.phases) await phase.run();
  }
  const times: number[] = [];
  const reduces: number[] = [];
  for (let i = 0; i < options.reps; i++) {
    if (paired) await paired.timeOthers(i, 'before');
    const t0 = performance.now();
    reduces.push(await main.step());
    times.push(performance.now() - t0);
    if (paired) await paired.timeOthers(i, 'after');
  }
  main.dispose();
  paired?.dispose();
  optimizer.dispose();
  const gradientBytes = [...params.values()].filter((p) => p.trainable).reduce((a, p) => a + 4 * p.size, 0);
  model.dispose();
  const stepMs = median(times);
  const allreduceMs = median(reduces);
  return {
    tokens_per_s: (batch * m) / (stepMs / 1000),
    step_ms: stepMs,
    allreduce_ms: allreduceMs,
    allreduce_share: allreduceMs / stepMs,
    workers: dp?.size ?? 1,
    gradient_bytes: gradientBytes,
    backend: tf.getBackend(),
    ...(paired ? { paired: paired.result(times, batch * m) } : {}),
  };
}

/** Steps each rank runs back to back in the free-running phase. */
const freeRunningSteps = 3;

/**
 * The comparison steps of a paired benchmark: rank 0 alone on the whole batch, and every rank on its share with no
 * all-reduce, in lockstep and free-running. Every rank runs the same barriers in the same order; a phase starts at a
 * barrier, so that no rank is still finishing the previous one, and ends at one, so that rank 0's time covers the
 * slowest rank.
 */
function pairedSteps(dp: DataParallel, whole: TokenSteps, share: TokenSteps) {
  const phases = [
    { steps: 1, run: async () => (dp.rank === 0 ? await whole.step() : 0), times: [] as number[] },
    { steps: 1, run: () => share.step(), times: [] as number[] },
    {
      steps: freeRunningSteps,
      run: async () => {
        for (let i = 0; i < freeRunningSteps; i++) await share.step();
      },
      times: [] as number[],
    },
  ];
  return {
    phases,
    /** Times the comparison steps of repetition `rep` that fall before or after its data-parallel step. */
    async timeOthers(rep: number, when: 'before' | 'after') {
      // The data-parallel step goes first, second, … in turn.
      const position = rep % (phases.length + 1);
      for (const [i, phase] of phases.entries()) {
        if (i < position !== (when === 'before')) continue;
        await dp.comm.barrier();
        const t0 = performance.now();
        await phase.run();
        await dp.comm.barrier();
        phase.times.push((performance.now() - t0) / phase.steps);
      }
      if (when === 'before') await dp.comm.barrier();
    },
    /** The comparison, from the data-parallel step times (ms) of the same repetitions and the tokens of a step. */
    result(dpTimes: number[], tokens: number): PairedResult {
      const [one, lockstep, free] = phases.map((p) => p.times) as [number[], number[], number[]];
      const speedup = (times: number[]) => median(one.map((t, i) => t / times[i]!));
      return {
        one_worker_tokens_per_s: tokens / (median(one) / 1000),
        lockstep_tokens_per_s: tokens / (median(lockstep) / 1000),
        free_running_tokens_per_s: tokens / (median(free) / 1000),
        speedup: speedup(dpTimes),
        lockstep_speedup: speedup(lockstep),
        free_running_speedup: speedup(free),
      };
    },
    dispose() {
      whole.dispose();
      share.dispose();
    },
  };
}
