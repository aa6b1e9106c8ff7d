/**
 * The language model's validation, split over the ranks of a data-parallel run: each rank evaluates its contiguous
 * share of the evaluation streams and the per-rank losses are averaged, which equals the one-process number (each
 * rank's loss is a mean over the same blocks, of an equal number of streams).
 * @module
 */
import { evaluateLm, type SmoeLanguageModel } from '@momentum-smoe/models';
import type { DataParallel } from './data-parallel.js';

/**
 * Mean validation NLL per token of `ids` read as `batch` parallel streams (the official full evaluation), computed
 * by every rank on its share of the streams when `dp` is given. Collective: every rank calls it.
 */
export async function evaluateLmShared(
  model: SmoeLanguageModel,
  ids: Int32Array,
  batch: number,
  dp?: DataParallel,
): Promise<number> {
  if (!dp || dp.size === 1) return (await evaluateLm(model, ids, { batch })).loss;
  const { start, count } = dp.share(batch, 'evaluation streams');
  // Stream s is ids[s·L, (s+1)·L), L = ⌊N / batch⌋, exactly as evaluateLm cuts them.
  const length = Math.floor(ids.length / batch);
  const loss = (await evaluateLm(model, ids.subarray(start * length, (start + count) * length), { batch: count })).loss;
  // Doubles through JSON, summed in rank order: every rank gets the same number.
  const losses = await dp.gatherJson(loss);
  return losses.reduce((a, b) => a + b, 0) / dp.size;
}
