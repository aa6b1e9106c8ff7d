import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import { MoETfLayer } from '../src/index.js';

const D = 8;

function data(seed: number, n: number): { xs: tf.Tensor2D; ys: tf.Tensor2D } {
  const rng = new Rng(seed);
  const x = rng.normalArray(n * D);
  const y = x.map((v, i) => Math.sin(v) * (i % 2 === 0 ? 1 : -0.5)); // a fixed nonlinear target
  return { xs: tf.tensor2d(x, [n, D]), ys: tf.tensor2d(y, [n, D]) };
}

function model(seed: number): tf.Sequential {
  const m = tf.sequential({
    layers: [
      new MoETfLayer({ experts: 4, topK: 2, dHidden: 16, init: 'torch', balanceLoss: 0.01, seed, inputShape: [D] }),
    ],
  });
  m.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
  return m;
}

describe('MoETfLayer (wasm)', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('exposes the router and expert weights as trainable weights', () => {
    const m = model(1);
    const names = m.trainableWeights.map((w) => w.originalName);
    expect(names.some((n) => n.endsWith('experts.w1'))).toBe(true);
    expect(names.some((n) => n.endsWith('router.weight'))).toBe(true);
    expect(m.countParams()).toBe(D * 4 + 4 + 4 * (D * 16 + 16 + 16 * D + D));
    m.dispose();
  });

  it('trains with model.fit: loss decreases over epochs (seed 2)', async () => {
    const m = model(2);
    const { xs, ys } = data(2, 128);
    const before = (m.evaluate(xs, ys) as tf.Scalar).dataSync()[0]!;
    const hist = await m.fit(xs, ys, { epochs: 3, batchSize: 32, shuffle: false, verbose: 0 });
    const losses = hist.history.loss as number[];
    const after = (m.evaluate(xs, ys) as tf.Scalar).dataSync()[0]!;
    expect(losses[2]!, `seed 2: ${losses}`).toBeLessThan(losses[0]!);
    expect(after, 'seed 2').toBeLessThan(before);
    tf.dispose([xs, ys]);
    m.dispose();
  });

  it('round-trips through toJSON and the weights: same predictions (seed 3)', async () => {
    const m = model(3);
    const { xs, ys } = data(3, 64);
    await m.fit(xs, ys, { epochs: 1, batchSize: 32, verbose: 0 }); // weights differ from the seed's init
    const json = m.toJSON(); // topology as a JSON string
    const restored = await tf.models.modelFromJSON(JSON.parse(json as string) as tf.io.ModelJSON);
    restored.setWeights(m.getWeights());
    const a = (m.predict(xs) as tf.Tensor).dataSync();
    const b = (restored.predict(xs) as tf.Tensor).dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));
    // And through save / loadLayersModel (topology + weight manifest in memory).
    let artifacts!: tf.io.ModelArtifacts;
    await m.save(
      tf.io.withSaveHandler((art) => {
        artifacts = art;
        return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
      }),
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    const c = (loaded.predict(xs) as tf.Tensor).dataSync();
    expect(Array.from(c)).toEqual(Array.from(a));
    tf.dispose([xs, ys]);
    [m, restored, loaded].forEach((x) => x.dispose());
  });
});
