import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, Rng, ShapeError, initBackend } from '@momentum-smoe/core';
import { TopKRouter, disposePlan } from '@momentum-smoe/routers';
import { ExpertBank, MoELayer, applyPlan } from '../src/index.js';
import { expertRow, maxRelErr, readBank, tokenChoiceRef } from './reference.js';
import { expertChoice, fillKept, randomChoices, randomExpertPicks, soft, tokenChoice } from './plans.js';

const D = 6;
const H = 8;

function layer(seed: number, experts: number, topK: number): MoELayer {
  const rng = new Rng(seed);
  return new MoELayer(
    new TopKRouter({ dModel: D, experts, topK, rng }),
    new ExpertBank({ experts, dIn: D, dHidden: H, init: 'torch', rng }),
  );
}

describe.each(['wasm', 'cpu'] as const)('MoELayer on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  // TopKRouter cannot route E=1 yet (its balance loss calls tf.oneHot, which needs depth ≥ 2): hand-made plans here.
  it.each([
    ['dropless', null],
    ['capacity', 10],
  ] as const)('E=1 equals a dense FFN (%s, seed 3)', (_, capacity) => {
    const rng = new Rng(3);
    const bank = new ExpertBank({ experts: 1, dIn: D, dHidden: H, init: 'torch', rng });
    const x = tf.tensor2d(rng.normalArray(10 * D), [10, D]);
    const plan = tokenChoice(1, new Int32Array(10), tf.ones([10, 1]), new Float32Array(10).fill(1), capacity);
    const y = applyPlan(bank, x, plan);
    const w = readBank(bank);
    const xs = x.dataSync();
    const dense = new Float64Array(10 * D);
    for (let t = 0; t < 10; t++) dense.set(expertRow(w, 0, xs.subarray(t * D, (t + 1) * D)), t * D);
    expect(maxRelErr(y.dataSync(), dense), 'seed 3').toBeLessThan(1e-5);
    tf.dispose([x, y]);
    disposePlan(plan);
    bank.dispose();
  });

  it('k=E with uniform gates equals the dense mixture (seed 5)', () => {
    const e = 4;
    const moe = layer(5, e, e);
    moe.router.namedParameters().forEach((v) => v.assign(tf.zerosLike(v))); // equal logits: softmax weights 1/E
    const x = tf.tensor2d(new Rng(6).normalArray(7 * D), [7, D]);
    const { y, plan } = moe.apply(x);
    const w = readBank(moe.experts);
    const xs = x.dataSync();
    const mixture = new Float64Array(7 * D);
    for (let t = 0; t < 7; t++) {
      for (let j = 0; j < e; j++) {
        const out = expertRow(w, j, xs.subarray(t * D, (t + 1) * D));
        for (let o = 0; o < D; o++) mixture[t * D + o]! += out[o]! / e;
      }
    }
    expect(maxRelErr(y.dataSync(), mixture), 'seed 5').toBeLessThan(1e-5);
    tf.dispose([x, y]);
    disposePlan(plan);
    moe.dispose();
  });

  it('capacity: dropped (token, slot) pairs contribute nothing, whatever their weight (seed 7)', () => {
    const [t, k, e, c] = [12, 2, 3, 3];
    const rng = new Rng(7);
    const bank = new ExpertBank({ experts: e, dIn: D, dHidden: H, init: 'torch', rng });
    const choices = randomChoices(rng, t, k, e);
    const kept = fillKept(choices, t, k, e, c);
    const gates = Float32Array.from(rng.uniformArray(t * k, 0.5, 1)); // dropped pairs keep a non-zero weight
    const x = tf.tensor2d(rng.normalArray(t * D), [t, D]);
    const plan = tokenChoice(e, choices, tf.tensor2d(gates, [t, k]), kept, c);
    const y = applyPlan(bank, x, plan).dataSync();
    const w = readBank(bank);
    const keptOnly = tokenChoiceRef(w, x.dataSync(), t, k, choices, gates, kept);
    const keptCount = kept.reduce((a, b) => a + b, 0);
    expect(keptCount, 'seed 7: some pairs dropped').toBeLessThan(t * k);
    expect(keptCount, 'seed 7: at most C per expert').toBeLessThanOrEqual(e * c);
    expect(maxRelErr(y, keptOnly), 'seed 7').toBeLessThan(1e-5);
    // Tokens whose every slot was dropped get exactly zero.
    for (let n = 0; n < t; n++)
      if (kept[n * k] === 0 && kept[n * k + 1] === 0)
        expect(Array.from(y.subarray(n * D, (n + 1) * D))).toEqual(new Array(D).fill(0));
    tf.dispose([x]);
    disposePlan(plan);
    bank.dispose();
  });

  it.each([
    ['dropless', null],
    ['capacity', 5],
    ['expert-choice', 0],
    ['soft', -1],
  ] as const)('%s: tf.memory().numTensors does not grow across forward/backward calls', (path, capacity) => {
    const [t, k, e] = [10, 2, 3];
    const rng = new Rng(9);
    const bank = new ExpertBank({ experts: e, dIn: D, dHidden: H, dropout: 0.1, rng });
    const choices = randomChoices(rng, t, k, e);
    const picks = randomExpertPicks(rng, t, e, 4);
    const x = tf.tensor2d(rng.normalArray(t * D), [t, D]);
    const step = () => {
      const { value, grads } = tf.variableGrads(() => {
        const plan =
          path === 'expert-choice'
            ? expertChoice(picks, tf.ones([e, 4]))
            : path === 'soft'
              ? soft(e, 2, tf.fill([t, e * 2], 0.1), tf.fill([t, e * 2], 0.2))
              : tokenChoice(
                  e,
                  choices,
                  tf.fill([t, k], 0.5),
                  capacity === null ? new Float32Array(t * k).fill(1) : fillKept(choices, t, k, e, capacity),
                  capacity,
                );
        return tf.sum(tf.square(applyPlan(bank, x, plan)));
      });
      tf.dispose([value, ...Object.values(grads)]);
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    bank.dispose();
  });

  it('MoELayer with TopKRouter: numTensors stable across training steps', () => {
    const moe = layer(13, 4, 2);
    const x = tf.tensor2d(new Rng(14).normalArray(16 * D), [16, D]);
    const opt = tf.train.sgd(0.01);
    const step = () => {
      const cost = opt.minimize(
        () => {
          const { y, plan } = moe.apply(x);
          return tf.add(tf.mean(tf.square(y)), plan.auxLoss) as tf.Scalar;
        },
        true,
        moe.trainableParameters(),
      );
      cost?.dispose();
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    opt.dispose();
    moe.dispose();
  });

  it('bad inputs give typed errors that name the fix', () => {
    const moe = layer(15, 4, 2);
    const wrongD = tf.zeros([5, D + 1]) as tf.Tensor2D;
    expect(() => moe.apply(wrongD)).toThrow(ShapeError);
    expect(() => moe.apply(wrongD)).toThrow(/dIn=6/);
    const plan = tokenChoice(3, new Int32Array(10), tf.ones([5, 2]), new Float32Array(10).fill(1), null);
    expect(() => applyPlan(moe.experts, tf.zeros([5, D]), plan)).toThrow(ConfigError);
    expect(() => applyPlan(moe.experts, tf.zeros([5, D]), plan)).toThrow(/same number of experts/);
    const own = tokenChoice(4, new Int32Array(10), tf.ones([5, 2]), new Float32Array(10).fill(1), null);
    const x5 = tf.zeros([5, D]) as tf.Tensor2D;
    expect(() => applyPlan(moe.experts, x5, { ...own, hostIndices: new Int32Array(9) })).toThrow(/hostIndices/);
    const y5 = applyPlan(moe.experts, x5, own); // the same plan with its true host copy runs
    expect(y5.shape).toEqual([5, D]);
    const rng = new Rng(1);
    expect(
      () =>
        new MoELayer(
          new TopKRouter({ dModel: D, experts: 3, topK: 1, rng }),
          new ExpertBank({ experts: 4, dIn: D, dHidden: H, rng }),
        ),
    ).toThrow(ConfigError);
    tf.dispose([wrongD, x5, y5]);
    disposePlan(plan);
    disposePlan(own);
    moe.dispose();
  });

  it('parameters are named router.* and experts.w1/b1/w2/b2 with the documented shapes', () => {
    const moe = layer(17, 4, 2);
    const shapes = Object.fromEntries([...moe.namedParameters()].map(([n, v]) => [n, v.shape]));
    expect(shapes).toMatchObject({
      'experts.w1': [4, D, H],
      'experts.b1': [4, H],
      'experts.w2': [4, H, D],
      'experts.b2': [4, D],
    });
    expect(Object.keys(shapes).filter((n) => n.startsWith('router.')).length).toBeGreaterThan(0);
    moe.dispose();
  });
});
