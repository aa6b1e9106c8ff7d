import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import { VisionMoE, sigmoidCrossEntropy, visionPreset } from '@momentum-smoe/models';
import { digitSplit, loadVisionData, type VisionData } from '../src/data/vision-data.js';
import { evaluateMnistRobustness, evaluateSplit } from '../src/training/vision-eval.js';
import { corruptDigits, MNIST_CORRUPTIONS, MNIST_CORRUPTION_PARAMETERS } from '../src/vision/mnist-corruptions.js';
import { addTopK, labelRanks } from '../src/vision/top-k.js';

const SEED = 11;
let data: VisionData;

/** A tiny vmoe-mnist whose zero-initialised head is replaced by a random one, so logits differ between classes. */
function tinyModel(): VisionMoE {
  const base = visionPreset('vmoe-mnist');
  const model = new VisionMoE(
    {
      ...base,
      hidden: 32,
      mlpDim: 64,
      heads: 2,
      blocks: 2,
      representationSize: 32,
      moe: { ...base.moe, blocks: [1], expertHidden: 64 },
    },
    { seed: SEED },
  );
  tf.tidy(() => model.head.weight.assign(tf.tensor2d(new Rng(SEED).normalArray(32 * 10), [32, 10])));
  return model;
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  data = await loadVisionData({ corpus: 'mnist', trainLimit: 16, testLimit: 48 });
});

describe('top-1 / top-5', () => {
  it('match a hand-computed ranking on fixed logits (ties go to the first class)', () => {
    const logits = Float32Array.from([
      0.1,
      0.9,
      0.3,
      0.2,
      0.0,
      -1, // label 1 is the max: rank 0
      0.5,
      0.4,
      0.3,
      0.2,
      0.1,
      0.0, // label 5 is the min: rank 5
      0.2,
      0.2,
      0.1,
      0.0,
      0.0,
      0.0, // label 1 ties class 0, which comes first: rank 1
      1,
      2,
      3,
      4,
      5,
      6, // label 1 has four larger: rank 4 (top-5 by one)
    ]);
    const labels = Int32Array.from([1, 5, 1, 1]);
    expect(Array.from(labelRanks(logits, labels, 6))).toEqual([0, 5, 1, 4]);
    expect(addTopK({ count: 0, top1: 0, top5: 0 }, logits, labels, 6)).toEqual({ count: 4, top1: 1, top5: 3 });
  });

  it("evaluateSplit agrees with tf.argMax and the model package's sigmoid cross-entropy, without leaking tensors", async () => {
    const model = tinyModel();
    const x = tf.tensor4d(
      Float32Array.from(data.mnistTest!.images, (v) => 2 * v - 1),
      [48, 28, 28, 1],
    );
    const labels = tf.tensor1d(data.mnistTest!.labels, 'int32');
    model.train(false);
    const logits = tf.tidy(() => model.forward(x).logits);
    const argmax = tf.argMax(logits, 1).dataSync();
    const refTop1 = Array.from(argmax).filter((p, i) => p === data.mnistTest!.labels[i]).length / 48;
    const refLoss = tf.tidy(() => sigmoidCrossEntropy(logits, labels)).dataSync()[0]!;
    tf.dispose([x, labels, logits]);
    model.train(true);
    const first = await evaluateSplit(model, data.eval, { batch: 20 });
    const before = tf.memory().numTensors;
    const again = await evaluateSplit(model, data.eval, { batch: 20 });
    expect(tf.memory().numTensors).toBe(before);
    expect(again).toEqual(first);
    expect(model.training).toBe(true);
    expect(first.count).toBe(48);
    expect(first.top1, `seed ${SEED}`).toBeCloseTo(refTop1, 12);
    expect(first.loss, `seed ${SEED}`).toBeCloseTo(refLoss, 4);
    model.dispose();
  });
});

describe('MNIST corruptions', () => {
  const digits = () => data.mnistTest!.images.subarray(0, 20 * 784);
  const meanSquaredChange = (a: Float32Array, b: Float32Array) =>
    a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0) / a.length;

  it.each(MNIST_CORRUPTIONS)(
    '%s: the change grows with severity, values stay in [0, 1], equal seeds repeat',
    (corruption) => {
      const clean = digits();
      const energy = [1, 2, 3, 4, 5].map((s) => {
        const out = corruptDigits(clean, 28, corruption, s, SEED);
        expect(out.every((v) => v >= 0 && v <= 1)).toBe(true);
        return meanSquaredChange(out, clean);
      });
      for (let s = 1; s < 5; s++)
        expect(energy[s]!, `${corruption} severity ${s + 1} vs ${s}, seed ${SEED}`).toBeGreaterThan(energy[s - 1]!);
      expect(corruptDigits(clean, 28, corruption, 3, SEED)).toEqual(corruptDigits(clean, 28, corruption, 3, SEED));
    },
  );

  it('gaussian and impulse noise have their stated strength on a mid-grey image', () => {
    const grey = new Float32Array(200 * 784).fill(0.5);
    for (const s of [1, 2, 3]) {
      const std = MNIST_CORRUPTION_PARAMETERS.gaussian_noise[s - 1]!;
      const noisy = corruptDigits(grey, 28, 'gaussian_noise', s, SEED);
      const measured = Math.sqrt(meanSquaredChange(noisy, grey)); // clipping at ±0.5 is beyond 1.9σ here
      expect(measured / std, `severity ${s}, seed ${SEED}`).toBeGreaterThan(0.97);
      expect(measured / std, `severity ${s}, seed ${SEED}`).toBeLessThan(1.01);
    }
    const amount = MNIST_CORRUPTION_PARAMETERS.impulse_noise[4]!;
    const salted = corruptDigits(grey, 28, 'impulse_noise', 5, SEED);
    const changed = salted.filter((v) => v !== 0.5).length / salted.length;
    const sd = Math.sqrt((amount * (1 - amount)) / salted.length);
    expect(Math.abs(changed - amount), `seed ${SEED}`).toBeLessThan(4 * sd);
  });

  it('gaussian blur equals a naive 2-D Gaussian convolution with clamped edges', () => {
    const img = new Rng(SEED).uniformArray(28 * 28); // [1, 28, 28]
    const sigma = MNIST_CORRUPTION_PARAMETERS.gaussian_blur[2]!;
    const r = Math.floor(4 * sigma + 0.5);
    let norm = 0;
    for (let dy = -r; dy <= r; dy++)
      for (let dx = -r; dx <= r; dx++) norm += Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
    const clamp = (v: number) => Math.min(27, Math.max(0, v));
    const out = corruptDigits(img, 28, 'gaussian_blur', 3, SEED);
    for (const [y, x] of [
      [0, 0],
      [5, 27],
      [14, 13],
      [27, 3],
    ] as const) {
      let acc = 0;
      for (let dy = -r; dy <= r; dy++)
        for (let dx = -r; dx <= r; dx++)
          acc += Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma)) * img[clamp(y + dy) * 28 + clamp(x + dx)]!;
      expect(out[y * 28 + x]!, `pixel (${y}, ${x})`).toBeCloseTo(acc / norm, 5);
    }
  });
});

describe('evaluateMnistRobustness', () => {
  it('reports per-severity accuracy, and an mCE of exactly 100 against its own errors', async () => {
    const model = tinyModel();
    const test = data.mnistTest!;
    const plain = await evaluateMnistRobustness(model, test, { batch: 48, corruptions: ['impulse_noise'] });
    expect(plain.top1.impulse_noise).toHaveLength(5);
    expect(plain.mCE).toBeNull();
    const acc3 = await evaluateSplit(
      model,
      digitSplit('impulse 3', { ...test, images: corruptDigits(test.images, 28, 'impulse_noise', 3, 0) }),
      { batch: 48 },
    );
    expect(plain.top1.impulse_noise![2]).toBe(acc3.top1);
    const self = await evaluateMnistRobustness(model, test, {
      batch: 48,
      corruptions: ['impulse_noise'],
      baseline: { name: 'itself', errors: plain.errors },
    });
    expect(self.mCE).toBeCloseTo(100, 9);
    expect(self.baseline).toBe('itself');
    const meanErr = plain.errors.impulse_noise!.reduce((a, b) => a + b, 0) / 5;
    expect(plain.meanError).toBeCloseTo(100 * meanErr, 9);
    model.dispose();
  });
});
