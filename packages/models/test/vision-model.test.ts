import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import { VISION_PRESET_NAMES, VisionMoE, visionPreset, type VisionMoEConfig } from '../src/vision/index.js';
import { expectedParameterCount } from './vision-helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const mnistImages = (b: number, seed: number) => tf.tensor4d(new Rng(seed).uniformArray(b * 28 * 28), [b, 28, 28, 1]);
const randomHead = (model: VisionMoE, seed: number) => {
  const w = model.head.weight;
  w.assign(tf.tensor2d(new Rng(seed).normalArray(w.size), w.shape));
};
const release = (...xs: unknown[]) => tf.dispose(xs as tf.TensorContainer[]);

describe('VisionMoE presets', () => {
  it.each(VISION_PRESET_NAMES.filter((n) => n.includes('mnist')))(
    '%s has the parameter count of the architecture formula',
    (name) => {
      const cfg = visionPreset(name);
      const model = new VisionMoE(cfg);
      expect(model.parameterCount()).toBe(expectedParameterCount(cfg));
      model.dispose();
    },
  );

  it.each(VISION_PRESET_NAMES.filter((n) => n.includes('32')))(
    '%s (narrowed to width 16, 64 px) has the formula count',
    (name) => {
      // Same depth, MoE placement, experts, patch, classes and heads layout as the ImageNet preset; small widths so
      // it builds fast.
      const full = visionPreset(name);
      const cfg: VisionMoEConfig = {
        ...full,
        imageSize: 64,
        hidden: 16,
        mlpDim: 32,
        heads: 2,
        representationSize: 16,
        moe: { ...full.moe, expertHidden: 32 },
      };
      const model = new VisionMoE(cfg);
      expect(model.parameterCount()).toBe(expectedParameterCount(cfg));
      expect(model.blocks.filter((b) => b.isMoE).length).toBe(full.blocks / 2);
      model.dispose();
    },
  );

  it('the formula gives the hand count for full-size V-MoE S/32 (E=8, MoE on blocks 1, 3, 5, 7)', () => {
    // patch 32·32·3·512+512, CLS 512, pos 50·512, 8×(2 LN + attention) 8·1,052,672, 4 dense MLPs 4·2,099,712,
    // 4 MoE (router 512·8 + 8 experts·2,099,712), final LN 1,024, pre-logits 262,656, head 513,000.
    const hand =
      1_573_376 +
      512 +
      25_600 +
      8 * 1_052_672 +
      4 * 2_099_712 +
      4 * (4_096 + 8 * 2_099_712) +
      1_024 +
      262_656 +
      513_000;
    expect(expectedParameterCount(visionPreset('vmoe-s32'))).toBe(hand);
  });
});

describe('VisionMoE forward', () => {
  it.each(VISION_PRESET_NAMES.filter((n) => n.includes('mnist')))(
    '%s: logits [B, 10], start at −log 10, one report per MoE block',
    (name) => {
      const model = new VisionMoE(visionPreset(name), { seed: 1 }).train(false);
      const x = mnistImages(8, 1);
      const out = model.forward(x);
      expect(out.logits.shape).toEqual([8, 10]);
      for (const v of out.logits.dataSync()) expect(v).toBeCloseTo(-Math.log(10), 5); // zero head kernel, bias −log C
      expect(out.auxLoss.shape).toEqual([]);
      expect(out.blocks.map((b) => b.block)).toEqual(model.config.moe.blocks);
      for (const b of out.blocks) expect(b.metrics.tokensPerExpert.shape).toEqual([model.config.moe.experts]);
      release(x, out);
      model.dispose();
    },
  );

  it('capacity follows the train (1.05) and eval (4.0) factors per routing group of 8 images', () => {
    const model = new VisionMoE(visionPreset('vmoe-mnist'), { seed: 2 });
    const x = mnistImages(16, 2);
    const t = 8 * 17; // 8 images × (16 patches + CLS)
    // ceil(kT·cf/E) → multiple of 4, ≤ T
    const capacity = (cf: number) => Math.min(Math.ceil(Math.ceil((2 * t * cf) / 4) / 4) * 4, t);
    const train = model.train(true).forward(x);
    expect(train.blocks.map((b) => b.capacity)).toEqual([capacity(1.05), capacity(1.05)]); // 72
    const evalOut = model.train(false).forward(x);
    expect(evalOut.blocks.map((b) => b.capacity)).toEqual([capacity(4), capacity(4)]); // 136 = T: nothing dropped
    expect(evalOut.blocks[0]!.metrics.dropRate.dataSync()[0]).toBe(0);
    release(x, train, evalOut);
    model.dispose();
  });

  it('routes each group of groupSize images independently (eval: batch of 16 = two batches of 8)', () => {
    const model = new VisionMoE(visionPreset('vmoe-mnist'), { seed: 3 }).train(false);
    randomHead(model, 3);
    const x = mnistImages(16, 3);
    const whole = model.forward(x);
    const [a, b] = tf.split(x, 2, 0) as [tf.Tensor4D, tf.Tensor4D];
    const [oa, ob] = [model.forward(a), model.forward(b)];
    const got = whole.logits.dataSync();
    const want = [...oa.logits.dataSync(), ...ob.logits.dataSync()];
    want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 4));
    release(x, a, b, whole, oa, ob);
    model.dispose();
  });

  it('router noise is drawn only in training (seed 6)', () => {
    const cfg = visionPreset('vmoe-mnist');
    const forwardTwice = (c: VisionMoEConfig, training: boolean) => {
      const model = new VisionMoE(c, { seed: 6 }).train(training);
      randomHead(model, 6);
      const x = mnistImages(8, 6);
      const [o1, o2] = [model.forward(x), model.forward(x)];
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(o1.logits, o2.logits))).dataSync()[0]!);
      const losses = Object.keys(o1.blocks[0]!.losses);
      release(x, o1, o2);
      model.dispose();
      return { diff, losses };
    };
    const noisyTrain = forwardTwice(cfg, true);
    expect(noisyTrain.diff).toBeGreaterThan(1e-6);
    expect(noisyTrain.losses).toContain('load'); // V-MoE's load loss exists only with noise
    const evalMode = forwardTwice(cfg, false);
    expect(evalMode.diff).toBe(0);
    expect(evalMode.losses).not.toContain('load');
    expect(forwardTwice({ ...cfg, moe: { ...cfg.moe, noiseStd: 0 } }, true).diff).toBe(0); // training without noise
  });

  it('keeps tf.memory().numTensors flat across training steps (robust momentum, 4 steps)', () => {
    const model = new VisionMoE(visionPreset('robust-vmoe-mnist'), { seed: 7 });
    const opt = tf.train.adam(1e-3);
    const x = mnistImages(8, 7);
    const labels = tf.tensor1d(
      Array.from({ length: 8 }, (_, i) => i % 10),
      'int32',
    );
    const counts: number[] = [];
    for (let s = 0; s < 4; s++) {
      const cost = opt.minimize(() => model.loss(x, labels).loss, true, model.trainableParameters());
      cost?.dispose();
      counts.push(tf.memory().numTensors);
    }
    expect(counts[3]).toBe(counts[1]); // step 0 creates the optimiser's slots
    release(x, labels);
    opt.dispose();
    model.dispose();
  });
});
