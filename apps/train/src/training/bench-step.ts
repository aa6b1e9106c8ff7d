/**
 * `msmoe bench train-step`: the median time of one language-model training step (forward, backward, the gradient
 * all-reduce when data-parallel, Adam) on random tokens, and the all-reduce's share of it.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@momentum-smoe/core';
import { SmoeLanguageModel, type LmConfig } from '@momentum-smoe/models';
import type { DataParallel } from './data-parallel.js';
import { Adam } from './optimizer.js';

/** What to time. */
export interface BenchOptions {
  config: LmConfig;
  /** Parallel streams per step over all ranks. */
  batch: number;
  /** Untimed steps first. */
  warmup: number;
  /** Timed steps (the median is reported). */
  reps: number;
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
  const ids = () =>
    // [B / ranks, M]
    tf.tensor2d(
      Int32Array.from({ length: local * m }, () => rng.int(config.vocab)),
      [local, m],
      'int32',
    );
  const [x, y] = [ids(), ids()];
  let cache = model.initCache(local);
  const step = async (): Promise<number> => {
    let next: tf.Tensor3D[] = [];
    const { value, grads: rankGrads } = tf.variableGrads(() => {
      const out = model.loss(x, y, cache);
      next = out.nextCache.map((t) => tf.keep(t));
      return out.loss;
    });
    let grads = rankGrads;
    let reduceMs = 0;
    if (sync) {
      const t0 = performance.now();
      grads = await sync.meanGradients(grads, []);
      reduceMs = performance.now() - t0;
    }
    optimizer.apply(grads, 1e-4).dispose();
    await value.data(); // the step is done once its loss can be read
    tf.dispose([value, ...Object.values(grads), ...cache]);
    cache = next;
    return reduceMs;
  };
  for (let i = 0; i < options.warmup; i++) await step();
  const times: number[] = [];
  const reduces: number[] = [];
  for (let i = 0; i < options.reps; i++) {
    const t0 = performance.now();
    reduces.push(await step());
    times.push(performance.now() - t0);
  }
  tf.dispose([x, y, ...cache]);
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
  };
}
