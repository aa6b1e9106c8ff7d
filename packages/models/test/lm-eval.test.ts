import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, Rng, initBackend } from '@momentum-smoe/core';
import { evaluateLm } from '../src/index.js';
import { tinyModel } from './lm-helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const corpus = (n: number, vocab: number, seed: number) => {
  const rng = new Rng(seed);
  return Int32Array.from({ length: n }, () => rng.int(vocab));
};

describe('evaluateLm (official full evaluation)', () => {
  it('a uniform predictor scores log V over exactly ⌊(⌊n/B⌋ − 1)/M⌋ whole blocks (seed 41)', async () => {
    const model = tinyModel({}, 41);
    model.out_emb.weight.assign(tf.zerosLike(model.out_emb.weight));
    model.out_emb.bias!.assign(tf.zerosLike(model.out_emb.bias!));
    // 103 tokens in 3 streams of 34: inputs 0..31 and targets 1..32 fill 8 blocks of 4; a 9th would need target 36.
    const result = await evaluateLm(model, corpus(103, 23, 41), { batch: 3 });
    expect(result.tokens).toBe(8 * 3 * 4);
    expect(result.loss).toBeCloseTo(Math.log(23), 6);
    expect(result.ppl).toBeCloseTo(23, 4);
    model.dispose();
  });

  it('equals a hand-written loop over streams and blocks with the cache carried (seed 42)', async () => {
    const model = tinyModel({ arch: 'sasa', dropout: 0.3 }, 42);
    const ids = corpus(61, 23, 42);
    const [b, m] = [2, 4];
    const streamLength = 30; // ⌊61 / 2⌋
    let cache = model.initCache(b);
    model.train(false);
    const perBlock: number[] = [];
    for (let pos = 0; pos + m < streamLength; pos += m) {
      const x: number[][] = [];
      const y: number[][] = [];
      for (let s = 0; s < b; s++) {
        x.push(Array.from(ids.subarray(s * streamLength + pos, s * streamLength + pos + m)));
        y.push(Array.from(ids.subarray(s * streamLength + pos + 1, s * streamLength + pos + m + 1)));
      }
      const out = model.forward(tf.tensor2d(x, [b, m], 'int32'), cache);
      const lp = out.logProbs.arraySync();
      let sum = 0;
      for (let s = 0; s < b; s++) for (let i = 0; i < m; i++) sum -= lp[s]![i]![y[s]![i]!]!;
      perBlock.push(sum / (b * m));
      cache = out.nextCache;
    }
    model.train(true);
    const result = await evaluateLm(model, ids, { batch: b, blockSize: m });
    const want = perBlock.reduce((a, v) => a + v, 0) / perBlock.length;
    expect(perBlock.length).toBe(7);
    expect(result.loss, 'seed 42').toBeCloseTo(want, 5);
    expect(result.tokens).toBe(7 * b * m);
    expect(model.training).toBe(true); // the previous mode is restored
    model.dispose();
  });

  it('fails clearly when no whole block fits, and leaks no tensors', async () => {
    const model = tinyModel({}, 43);
    await expect(evaluateLm(model, corpus(9, 23, 43), { batch: 2 })).rejects.toThrow(ConfigError);
    await expect(evaluateLm(model, corpus(9, 23, 43), { batch: 2 })).rejects.toThrow(/fewer than one block/);
    const ids = corpus(50, 23, 43);
    await evaluateLm(model, ids, { batch: 2 });
    const before = tf.memory().numTensors;
    await evaluateLm(model, ids, { batch: 2 });
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
