import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@momentum-smoe/core';
import { VisionMoE, visionPreset, type VisionMoEConfig } from '@momentum-smoe/models';
import { loadVisionData, type VisionData } from '../src/data/vision-data.js';
import { Adam } from '../src/training/optimizer.js';
import { trainVision, type VisionRunConfig } from '../src/training/vision-trainer.js';
import { kernelDecayMask } from '../src/vision/weight-decay.js';

const SEED = 3;

/** A 2-block vmoe-mnist (block 1 is the MoE) at hidden 32, with expert dropout so both random streams are exercised. */
function tinyConfig(momentum = visionPreset('vmoe-mnist').momentum): VisionMoEConfig {
  const base = visionPreset('vmoe-mnist');
  return {
    ...base,
    hidden: 32,
    mlpDim: 64,
    heads: 2,
    blocks: 2,
    representationSize: 32,
    momentum,
    moe: { ...base.moe, blocks: [1], expertHidden: 64, expertDropout: 0.1 },
  };
}

const run = (overrides: Partial<VisionRunConfig> = {}): VisionRunConfig => ({
  name: 'tiny vmoe',
  model: tinyConfig(),
  steps: 7,
  batch: 8,
  lr: 2e-3,
  warmup: 2,
  endLr: 1e-5,
  weightDecay: 0.1,
  clipNorm: 1,
  seed: SEED,
  evalEvery: 2,
  logEvery: 2,
  evalBatch: 32,
  ...overrides,
});

const records = (dir: string) =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const tmp = (tag: string) => mkdtempSync(join(tmpdir(), `vision-${tag}-`));

let data: VisionData;
beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  // 44 training digits = 5 batches of 8 per epoch, so 7 steps cross an epoch boundary.
  data = await loadVisionData({ corpus: 'mnist', trainLimit: 44, testLimit: 32 });
});

describe('trainVision', () => {
  it.each([
    ['none', { kind: 'none' } as const],
    ['robust', { kind: 'robust', kappa: 1.25, rho: 0.2, L: 1 } as const],
  ])('an interrupted run resumed reproduces the uninterrupted loss curve (momentum %s)', async (_, momentum) => {
    const cfg = run({ model: tinyConfig(momentum) });
    const dirA = tmp('a');
    const straight = await trainVision(cfg, data, dirA, { progressLabel: null });
    straight.model.dispose();
    expect(straight.trainLoss).toHaveLength(7);
    // Graceful stop at step 3 (checkpoint written at the stop), then resume.
    const dirB = tmp('b');
    (await trainVision(cfg, data, dirB, { stopAt: 3, progressLabel: null })).model.dispose();
    const resumed = await trainVision(cfg, data, dirB, { resume: true, progressLabel: null });
    resumed.model.dispose();
    expect(resumed.trainLoss, `seed ${SEED}`).toEqual(straight.trainLoss);
    expect(resumed.evals).toEqual(straight.evals);
    // Kill at step 5 (no checkpoint at the stop): resume replays from the step-4 checkpoint.
    const dirC = tmp('c');
    (await trainVision(cfg, data, dirC, { stopAt: 5, checkpointOnStop: false, progressLabel: null })).model.dispose();
    const replayed = await trainVision(cfg, data, dirC, { resume: true, progressLabel: null });
    replayed.model.dispose();
    expect(replayed.trainLoss, `seed ${SEED}`).toEqual(straight.trainLoss);
    expect(
      records(dirC)
        .filter((r) => r.kind === 'train')
        .map((r) => r.step),
    ).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(readdirSync(dirC).sort()).toEqual(['best.safetensors', 'last.safetensors', 'metrics.jsonl']);
  });

  it('logs the warm-up/linear-decay learning rate, routing statistics on logging steps, and evaluations', async () => {
    const cfg = run({ steps: 5, warmup: 2, lr: 1e-2, endLr: 1e-5, evalEvery: 5, logEvery: 2 });
    const dir = tmp('log');
    (await trainVision(cfg, data, dir, { progressLabel: null })).model.dispose();
    const log = records(dir);
    const train = log.filter((r) => r.kind === 'train');
    // Closed form: t < warmup → peak·t/warmup; then peak + (end − peak)·(t − warmup)/(total − warmup).
    const expected = [1, 2, 3, 4, 5].map((t) => (t < 2 ? (1e-2 * t) / 2 : 1e-2 + (1e-5 - 1e-2) * ((t - 2) / 3)));
    train.forEach((r, i) => expect(r.lr as number).toBeCloseTo(expected[i]!, 12));
    // Routing readings on steps 2, 4 and the last; none on 1 and 3.
    expect(train.map((r) => r.moe !== undefined)).toEqual([false, true, false, true, true]);
    const moe = train[1]!.moe as {
      block: number;
      tokensPerExpert: number[];
      routingEntropy: number;
      dropRate: number;
    }[];
    expect(moe.map((b) => b.block)).toEqual([1]);
    const assignments = moe[0]!.tokensPerExpert.reduce((a, b) => a + b, 0);
    // 8 images × 17 tokens × top-2 slots, minus the dropped fraction.
    expect(assignments).toBeCloseTo(8 * 17 * 2 * (1 - moe[0]!.dropRate), 6);
    expect(moe[0]!.routingEntropy).toBeGreaterThan(0);
    expect(moe[0]!.routingEntropy).toBeLessThanOrEqual(Math.log(4) + 1e-6);
    for (const r of train)
      expect((r.loss as number) - (r.classification as number) - (r.aux as number)).toBeCloseTo(0, 5);
    const evals = log.filter((r) => r.kind === 'eval');
    expect(evals.map((r) => r.step)).toEqual([5]);
    expect(evals[0]!.images).toBe(32);
  });

  it('keeps the tensor count flat across training steps and evaluations', async () => {
    (await trainVision(run({ steps: 2, evalEvery: 2 }), data, tmp('m0'), { progressLabel: null })).model.dispose();
    const before = tf.memory().numTensors;
    (await trainVision(run({ steps: 6, evalEvery: 3 }), data, tmp('m1'), { progressLabel: null })).model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('weight decay on kernels only', () => {
  it('decays exactly the dense, patch, router and expert kernels', () => {
    const model = new VisionMoE(tinyConfig(), { seed: SEED });
    const params = model.namedParameters();
    const mask = kernelDecayMask(params);
    const decayed = [...params.keys()].filter(mask).sort();
    const attention = (b: number) => ['query', 'key', 'value', 'out'].map((p) => `blocks.${b}.attention.${p}.weight`);
    expect(decayed).toEqual(
      [
        'embedding.kernel',
        ...attention(0),
        'blocks.0.mlp.fc1.weight',
        'blocks.0.mlp.fc2.weight',
        ...attention(1),
        'blocks.1.mlp.moe.router.weight',
        'blocks.1.mlp.moe.experts.w1',
        'blocks.1.mlp.moe.experts.w2',
        'preLogits.weight',
        'head.weight',
      ].sort(),
    );
    model.dispose();
  });

  it('with zero gradients, one Adam step shrinks kernels by (1 − lr·wd) and leaves everything else unchanged', () => {
    const model = new VisionMoE(tinyConfig(), { seed: SEED });
    const params = model.namedParameters();
    const mask = kernelDecayMask(params);
    const opt = new Adam(params, { weightDecay: 0.1, decay: mask, clipNorm: 1 });
    const before = new Map([...params].map(([n, v]) => [n, v.dataSync().slice()]));
    const grads = Object.fromEntries([...params.values()].map((v) => [v.name, tf.zerosLike(v)]));
    opt.apply(grads, 0.5).dispose();
    tf.dispose(Object.values(grads));
    for (const [name, v] of params) {
      const factor = mask(name) ? 1 - 0.5 * 0.1 : 1;
      const after = v.dataSync();
      before.get(name)!.forEach((x, i) => expect(after[i], name).toBeCloseTo(x * factor, 6));
    }
    opt.dispose();
    model.dispose();
  });
});
