import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import { disposeLayerReports } from '../src/index.js';
import { randomIds, tinyModel } from './lm-helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** Counts every device → host read of the backend (each `dataSync`, `data`, `array` … ends in one of these). */
function countReads(): { reads: () => number; restore: () => void } {
  const target = tf.backend();
  const hooks = target as unknown as Record<'readSync' | 'read', (...args: unknown[]) => unknown>;
  const { readSync, read } = hooks;
  let n = 0;
  hooks.readSync = (...args) => {
    n++;
    return readSync.apply(target, args);
  };
  hooks.read = (...args) => {
    n++;
    return read.apply(target, args);
  };
  return {
    reads: () => n,
    restore: () => {
      hooks.readSync = readSync;
      hooks.read = read;
    },
  };
}

let restore = () => {};
afterEach(() => restore());

describe('host reads in one forward pass', () => {
  // Each MoE layer reads its router logits once to choose the experts (tfjs has no gradient for topk); the plan
  // carries that host copy to dispatch, so nothing else in the pass is read back. On a GPU each read is a sync.
  it.each(['sgsgsg', 'smsmsm', 'sasasa', 'srsrsr'])(
    '%s: exactly one read per MoE layer, forward and loss (seed 51)',
    (arch) => {
      const model = tinyModel({ arch, layers: 3 }, 51);
      const rng = new Rng(51);
      const ids = randomIds(rng, 2, 4, 23);
      const targets = randomIds(rng, 2, 4, 23);
      const cache = model.initCache(2);
      const counter = countReads();
      restore = counter.restore;
      const fwd = model.forward(ids, cache);
      const afterForward = counter.reads();
      const train = model.loss(ids, targets, cache);
      const afterLoss = counter.reads();
      counter.restore();
      expect(afterForward, `${arch}: reads in forward (3 MoE layers)`).toBe(3);
      expect(afterLoss - afterForward, `${arch}: reads in loss (3 MoE layers)`).toBe(3);
      tf.dispose([
        fwd.logProbs,
        fwd.auxLoss,
        ...fwd.nextCache,
        train.loss,
        train.nll,
        train.auxLoss,
        ...train.nextCache,
      ]);
      disposeLayerReports([...fwd.layers, ...train.layers]);
      tf.dispose([ids, targets, ...cache]);
      model.dispose();
    },
  );

  it('the counter sees a read: one dataSync is one read', () => {
    const counter = countReads();
    restore = counter.restore;
    const t = tf.tensor1d([1, 2, 3]);
    t.dataSync();
    expect(counter.reads()).toBe(1);
    t.dispose();
  });
});
