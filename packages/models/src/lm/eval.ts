/**
 * The official full evaluation (`--full-eval-mode`, docs/paper-notes.md#full-evaluation): B contiguous streams,
 * every complete block in order with the attention cache carried, loss = mean over blocks of the per-block mean NLL.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '@momentum-smoe/core';
import type { SmoeLanguageModel } from './lm.js';
import { disposeLayerReports } from './layer-report.js';

/** Options of {@link evaluateLm}. */
export interface EvaluateLmOptions {
  /** Parallel streams B (the official run keeps the training batch size). */
  batch: number;
  /** Tokens per block; default the model's `blockSize`. */
  blockSize?: number;
  /** Called after each block with (blocks done, blocks in all), e.g. for a progress bar. */
  onBlock?: (done: number, total: number) => void;
}

/** The result of {@link evaluateLm}. */
export interface LmEvaluation {
  /** Mean over blocks of the per-block mean NLL, in nats. */
  loss: number;
  /** `exp(loss)`. */
  ppl: number;
  /** Tokens scored: blocks × B × blockSize. */
  tokens: number;
}

/**
 * Evaluates next-token NLL over a token stream, as the official `full_eval`: the ids are cut into `batch` contiguous
 * streams of ⌊n / batch⌋ tokens (the remainder dropped), then blocks of `blockSize` inputs with their next-token
 * targets are scored in order with the cache carried, stopping before a block whose targets would run past the end.
 * Runs in evaluation mode (no dropout) and restores the model's previous mode. Nothing is read synchronously: each
 * block's NLL is read with `data()` while the next block is already queued, so a GPU backend never stalls on a read
 * (and on webgpu in Node, where `dataSync` throws, evaluation works); the block NLLs are summed in float64.
 * @example
 * ```ts
 * const { loss, ppl, tokens } = await evaluateLm(model, corpus.valid, { batch: 8 });
 * ```
 */
export async function evaluateLm(
  model: SmoeLanguageModel,
  ids: Int32Array,
  options: EvaluateLmOptions,
): Promise<LmEvaluation> {
  const { batch } = options;
  const m = options.blockSize ?? model.config.blockSize;
  if (!Number.isInteger(batch) || batch < 1)
    throw new ConfigError(`evaluateLm: batch must be a positive integer, got ${batch}`);
  if (!Number.isInteger(m) || m < 1)
    throw new ConfigError(`evaluateLm: blockSize must be a positive integer, got ${m}`);
  const streamLength = Math.floor(ids.length / batch);
  const blocks = Math.floor((streamLength - 1) / m);
  if (blocks < 1) {
    throw new ConfigError(
      `evaluateLm: ${ids.length} tokens in ${batch} streams give ${streamLength} per stream, fewer than one block of ` +
        `${m} plus its target; use a smaller batch or blockSize`,
    );
  }
  const wasTraining = model.training;
  model.train(false);
  let cache = model.initCache(batch);
  let sum = 0;
  // The previous block's NLL and its read in flight: awaited once the next block is queued.
  let pending: { nll: tf.Scalar; value: Promise<tf.TypedArray> } | null = null;
  const settle = async () => {
    if (pending === null) return;
    sum += (await pending.value)[0]!;
    pending.nll.dispose();
    pending = null;
  };
  try {
    const x = new Int32Array(batch * m);
    const y = new Int32Array(batch * m);
    for (let block = 0; block < blocks; block++) {
      for (let s = 0; s < batch; s++) {
        const start = s * streamLength + block * m;
        x.set(ids.subarray(start, start + m), s * m);
        y.set(ids.subarray(start + 1, start + m + 1), s * m);
      }
      const xs = tf.tensor2d(x, [batch, m], 'int32');
      const ys = tf.tensor2d(y, [batch, m], 'int32');
      const out = model.loss(xs, ys, cache);
      tf.dispose([xs, ys, out.loss, out.auxLoss, cache]);
      disposeLayerReports(out.layers);
      cache = out.nextCache;
      await settle();
      pending = { nll: out.nll, value: out.nll.data() };
      options.onBlock?.(block + 1, blocks);
    }
    await settle();
  } finally {
    tf.dispose(cache);
    (pending as { nll: tf.Scalar } | null)?.nll.dispose();
    model.train(wasTraining);
  }
  const loss = sum / blocks;
  return { loss, ppl: Math.exp(loss), tokens: blocks * batch * m };
}
