import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import type { SmoeLanguageModel } from '../src/index.js';
import { randomIds, tinyModel } from './lm-helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** One Adam step on (x, y) with the cache carried: the next cache escapes the gradient scope through tf.keep. */
function trainStep(
  model: SmoeLanguageModel,
  opt: tf.Optimizer,
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  cache: tf.Tensor3D[],
): { loss: number; cache: tf.Tensor3D[] } {
  let next: tf.Tensor3D[] = [];
  const cost = opt.minimize(
    () => {
      const out = model.loss(x, y, cache);
      next = out.nextCache.map((t) => tf.keep(t));
      return out.loss;
    },
    true,
    model.trainableParameters(),
  )!;
  const loss = cost.dataSync()[0]!;
  cost.dispose();
  tf.dispose(cache);
  return { loss, cache: next };
}

describe('training', () => {
  it.each(['sgsg', 'smsm', 'sasa', 'srsr'])('a tiny %s LM overfits a tiny corpus far below log V (seed 21)', (arch) => {
    const vocab = 32;
    const model = tinyModel(
      { arch, layers: 2, dModel: 32, dHidden: 32, heads: 4, vocab, attnSpan: 8, blockSize: 8 },
      21,
    );
    const rng = new Rng(21);
    const stream = randomIds(rng, 4, 9, vocab);
    const x = tf.slice(stream, [0, 0], [4, 8]);
    const y = tf.slice(stream, [0, 1], [4, 8]);
    const opt = tf.train.adam(1e-2);
    let cache = model.initCache(4);
    let loss = Infinity;
    const first = trainStep(model, opt, x, y, cache);
    cache = first.cache;
    for (let step = 0; step < 120 && loss > 0.15 * Math.log(vocab); step++) {
      tf.dispose(cache);
      ({ loss, cache } = trainStep(model, opt, x, y, model.initCache(4)));
    }
    expect(first.loss, `${arch} seed 21`).toBeGreaterThan(0.8 * Math.log(vocab));
    expect(loss, `${arch} seed 21`).toBeLessThan(0.15 * Math.log(vocab));
    tf.dispose([cache, x, y, stream]);
    opt.dispose();
    model.dispose();
  });

  it('tf.memory().numTensors stays flat across training steps with the cache carried (seed 22)', () => {
    const model = tinyModel({ arch: 'sasa', dropout: 0.1 }, 22);
    const rng = new Rng(22);
    const opt = tf.train.adam(1e-3);
    let cache = model.initCache(2);
    const run = () => {
      const x = randomIds(rng, 2, 4, 23);
      const y = randomIds(rng, 2, 4, 23);
      ({ cache } = trainStep(model, opt, x, y, cache));
      tf.dispose([x, y]);
    };
    run();
    run(); // the optimiser creates its slots on the first steps
    const before = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) run();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(cache);
    opt.dispose();
    model.dispose();
  });

  it.each(['smsm', 'sasg', 'srsr'])(
    '%s: gradients match central finite differences along random directions (seed 23)',
    (arch) => {
      const model = tinyModel({ arch, layers: 2 }, 23);
      const rng = new Rng(23);
      const x = randomIds(rng, 2, 4, 23);
      const y = randomIds(rng, 2, 4, 23);
      const cache = model.specs.map(() => tf.tensor3d(rng.normalArray(2 * 6 * 16), [2, 6, 16]));
      const lossValue = () => tf.tidy(() => model.loss(x, y, cache).loss.dataSync()[0]!);
      const { grads } = tf.variableGrads(() => model.loss(x, y, cache).loss);
      const params = model.namedParameters();
      const names = [
        'key_pe',
        'in_emb.weight',
        'out_emb.bias',
        'layers.0.attn.proj_query.weight',
        'layers.0.smoe.gate.weight',
        'layers.0.smoe.experts.w1',
        'layers.1.smoe.experts.b2',
        'layers.0.smoe.layer_norm.weight',
        'layers.1.norm1.bias',
      ];
      for (const name of names) {
        // Small steps: routing is piecewise constant and ReLU piecewise linear, so a step must not cross a kink;
        // Adam's layer 0 is a steep soft sign of the tiny initial expert outputs, f/√(f²/1000 + 1e-8), so it needs
        // smaller ones.
        const eps = arch.includes('a') ? 2e-4 : 1e-3;
        const v = params.get(name)!;
        const dir = tf.tensor(rng.normalArray(v.size), v.shape);
        const analytic = tf.sum(tf.mul(grads[v.name]!, dir)).dataSync()[0]!;
        const original = v.clone();
        v.assign(tf.tidy(() => tf.add(original, tf.mul(dir, eps))));
        const plus = lossValue();
        v.assign(tf.tidy(() => tf.sub(original, tf.mul(dir, eps))));
        const minus = lossValue();
        v.assign(original);
        const numeric = (plus - minus) / (2 * eps);
        expect(
          Math.abs(numeric - analytic),
          `${arch} ${name} seed 23: numeric ${numeric} analytic ${analytic}`,
        ).toBeLessThan(2e-2 * Math.abs(analytic) + 2e-3);
        tf.dispose([dir, original]);
      }
      tf.dispose(grads);
      tf.dispose([x, y, ...cache]);
      model.dispose();
    },
  );
});
