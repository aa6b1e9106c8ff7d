import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import { disposeLayerReports, type LmConfig } from '../src/index.js';
import { maxAbsDiff, randomIds, tinyModel } from './lm-helpers.js';
import { naiveLm, paramArrays, type Mat } from './lm-reference.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('SmoeLanguageModel forward', () => {
  it('returns [B, M, V] log-probabilities, a [B, L, H] cache per layer and a scalar aux loss (seed 3)', () => {
    const model = tinyModel({ arch: 'sgsm', layers: 2 }, 3);
    const ids = randomIds(new Rng(3), 2, 4, 23);
    const cache = model.initCache(2);
    const { logProbs, nextCache, auxLoss } = model.forward(ids, cache);
    expect(logProbs.shape).toEqual([2, 4, 23]);
    expect(nextCache.map((c) => c.shape)).toEqual([
      [2, 6, 16],
      [2, 6, 16],
    ]);
    expect(auxLoss.shape).toEqual([]);
    const rowSums = tf.sum(tf.exp(logProbs), -1).dataSync();
    for (const s of rowSums) expect(s).toBeCloseTo(1, 5);
    // The next cache of layer 0 is [old cache minus M oldest ; the embedded block] (L = 6 > M = 4).
    const emb = model.in_emb.apply(ids);
    expect(maxAbsDiff(tf.slice(nextCache[0]!, [0, 2, 0], [2, 4, 16]), emb)).toBe(0);
    expect(maxAbsDiff(tf.slice(nextCache[0]!, [0, 0, 0], [2, 2, 16]), tf.zeros([2, 2, 16]))).toBe(0);
    model.dispose();
  });

  it.each([
    ['transformer', 'sgsg', 2, 11],
    ['transformer', 'smsm', 2, 12],
    ['transformer', 'sasasa', 3, 13],
    ['transformer', 'srsr', 2, 14],
    ['glam', 'smsfsmsf', 2, 15],
  ] as const)(
    '%s %s (%i layers) equals the float64 reference of the official forward (seed %i)',
    (base, arch, layers, seed) => {
      const overrides: Partial<LmConfig> = { base, arch, layers, mu: 0.6, gamma1: 0.9, gamma2: 1.1, rho: 0.15 };
      const model = tinyModel(overrides, seed).train(false);
      const rng = new Rng(seed);
      const ids = randomIds(rng, 2, 4, 23);
      const cache = model.specs.map(() => tf.tensor3d(rng.normalArray(2 * 6 * 16), [2, 6, 16]));
      const got = model.forward(ids, cache).logProbs.arraySync();
      const params = paramArrays(model.namedParameters());
      const c = { ...model.config };
      const idRows = ids.arraySync();
      const cacheRows = cache.map((t) => t.arraySync() as Mat[]);
      for (let b = 0; b < 2; b++) {
        const want = naiveLm(
          idRows[b]!,
          cacheRows.map((layer) => layer[b]!),
          params,
          c,
        );
        for (let i = 0; i < 4; i++)
          for (let v = 0; v < 23; v++)
            expect(got[b]![i]![v]!, `seed ${seed} [${b},${i},${v}]`).toBeCloseTo(want[i]![v]!, 3);
      }
      model.dispose();
    },
  );

  it.each([
    [6, 11],
    [3, 12],
  ])('a block with the cache equals the concatenated sequence in one block (L=%i, M=4, seed %i)', (attnSpan, seed) => {
    const model = tinyModel({ arch: 'smsm', layers: 2, attnSpan }, seed).train(false);
    const ids = randomIds(new Rng(seed), 2, 8, 23);
    const first = tf.slice(ids, [0, 0], [2, 4]);
    const second = tf.slice(ids, [0, 4], [2, 4]);
    const whole = model.forward(ids, model.initCache(2)).logProbs;
    const a = model.forward(first, model.initCache(2));
    const b = model.forward(second, a.nextCache);
    expect(maxAbsDiff(a.logProbs, tf.slice(whole, [0, 0, 0], [2, 4, 23])), `seed ${seed}`).toBeLessThan(1e-4);
    expect(maxAbsDiff(b.logProbs, tf.slice(whole, [0, 4, 0], [2, 4, 23])), `seed ${seed}`).toBeLessThan(1e-4);
    // Without the cache the second block differs: the cache carries real information.
    const cold = model.forward(second, model.initCache(2)).logProbs;
    expect(maxAbsDiff(cold, b.logProbs)).toBeGreaterThan(1e-3);
    model.dispose();
  });

  it('rejects a cache of the wrong shape with the fix in the message', () => {
    const model = tinyModel();
    const ids = randomIds(new Rng(1), 2, 4, 23);
    expect(() => model.forward(ids, model.initCache(3))).toThrow(/cache\[0\].*initCache\(2\)/);
    expect(() => model.forward(ids, [])).toThrow(/2 layers; use initCache/);
    model.dispose();
  });

  it('leaks no tensors across repeated forward passes (seed 4)', () => {
    const model = tinyModel({ dropout: 0.2 }, 4);
    const ids = randomIds(new Rng(4), 2, 4, 23);
    let cache = model.initCache(2);
    const step = () => {
      const out = model.forward(ids, cache);
      tf.dispose([out.logProbs, out.auxLoss, cache]);
      disposeLayerReports(out.layers);
      cache = out.nextCache;
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
