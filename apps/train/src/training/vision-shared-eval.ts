/**
 * Held-out top-1/top-5 split over the ranks of a data-parallel run: rank r evaluates batches r, r + ranks, … of the
 * split and the counts are combined, which equals the one-process numbers.
 * @module
 */
import type { VisionMoE } from '@momentum-smoe/models';
import type { EvalSplit } from '../data/vision-data.js';
import type { DataParallel } from './data-parallel.js';
import { evaluateSplit, type SplitAccuracy } from './vision-eval.js';

/** The batches of `split` that rank `rank` of `size` evaluates (every `size`-th, from `rank`). */
function rankBatches(split: EvalSplit, rank: number, size: number): EvalSplit {
  return {
    name: split.name,
    count: split.count,
    async *batches(batch) {
      let i = 0;
      for await (const b of split.batches(batch)) if (i++ % size === rank) yield b;
    },
  };
}

/** {@link evaluateSplit} over every rank's share of `split` when `dp` is given. Collective: every rank calls it. */
export async function evaluateSplitShared(
  model: VisionMoE,
  split: EvalSplit,
  batch: number,
  dp?: DataParallel,
): Promise<SplitAccuracy> {
  if (!dp || dp.size === 1) return evaluateSplit(model, split, { batch });
  const mine = await evaluateSplit(model, rankBatches(split, dp.rank, dp.size), { batch });
  // Sums as doubles (through JSON), added in rank order: every rank gets the same numbers.
  const all = await dp.gatherJson([mine.top1 * mine.count, mine.top5 * mine.count, mine.loss * mine.count, mine.count]);
  const [top1, top5, loss, count] = all.reduce((acc, v) => acc.map((a, i) => a + v[i]!), [0, 0, 0, 0]);
  const n = Math.max(1, count!);
  return { top1: top1! / n, top5: top5! / n, loss: loss! / n, count: count! };
}
