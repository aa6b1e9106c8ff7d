import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import { validateLmConfig, type LmLayerValues } from '@momentum-smoe/models';
import type { MetricsRecord } from '../src/report/metrics-log.js';
import { trainLm, type LmRunConfig } from '../src/training/lm-trainer.js';
import { TINY_CONFIG } from './tiny-run.js';

const SEED = 5;
const VOCAB = 40;

/** A learnable token stream: a noisy repeating pattern, so the loss falls quickly. */
function corpus(n: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length: n }, (_, i) => (rng.uniform() < 0.1 ? rng.int(VOCAB) : (i * 7) % VOCAB));
}

const run = (arch: string): LmRunConfig => ({
  name: `tiny ${arch}`,
  model: validateLmConfig({
    ...TINY_CONFIG,
    arch,
    layers: arch.length / 2,
    dropout: 0.1,
    vocab: VOCAB,
    mu: 0.7,
    gamma1: 1,
    gamma2: 1,
    beta1: 0.9,
    beta2: 0.999,
  }),
  steps: 8,
  batch: 4,
  batchSplit: 2,
  lr: 3e-3,
  warmup: 2,
  seed: SEED,
  evalEvery: 3,
  evalBatch: 2,
});

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('trainLm', () => {
  const train = corpus(4000, 1);
  const valid = corpus(600, 2);

  it.each(['sgsm', 'sasa'])(
    'an interrupted run resumed gives the same loss curve as one that never stopped (%s)',
    async (arch) => {
      const straight = await trainLm(run(arch), train, valid, mkdtempSync(join(tmpdir(), 'lm-a-')), {
        progressLabel: null,
      });
      straight.model.dispose();
      // Graceful interrupt (Ctrl-C) at step 4: a checkpoint is written at the stop.
      const dirB = mkdtempSync(join(tmpdir(), 'lm-b-'));
      (await trainLm(run(arch), train, valid, dirB, { stopAt: 4, progressLabel: null })).model.dispose();
      const resumed = await trainLm(run(arch), train, valid, dirB, { resume: true, progressLabel: null });
      resumed.model.dispose();
      expect(resumed.trainLoss, `seed ${SEED}`).toEqual(straight.trainLoss);
      expect(resumed.valid).toEqual(straight.valid);
      // Kill at step 5 (no checkpoint at the stop): resume goes back to the step-3 checkpoint and replays.
      const dirC = mkdtempSync(join(tmpdir(), 'lm-c-'));
      (
        await trainLm(run(arch), train, valid, dirC, { stopAt: 5, checkpointOnStop: false, progressLabel: null })
      ).model.dispose();
      const replayed = await trainLm(run(arch), train, valid, dirC, { resume: true, progressLabel: null });
      replayed.model.dispose();
      expect(replayed.trainLoss, `seed ${SEED}`).toEqual(straight.trainLoss);
      const log = readFileSync(join(dirC, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as MetricsRecord);
      expect(log.filter((r) => r.kind === 'train').map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(readdirSync(dirC).sort()).toEqual(['best.safetensors', 'last.safetensors', 'metrics.jsonl']);
    },
  );

  it('learns (loss falls well below log V) and keeps the tensor count flat across steps', async () => {
    const r0 = { ...run('sgsm'), steps: 2, evalEvery: 100 };
    (await trainLm(r0, train, valid, mkdtempSync(join(tmpdir(), 'lm-d-')), { progressLabel: null })).model.dispose();
    const before = tf.memory().numTensors;
    const dir = mkdtempSync(join(tmpdir(), 'lm-e-'));
    const r = await trainLm({ ...run('sgsm'), steps: 60, evalEvery: 60, logEvery: 20 }, train, valid, dir, {
      progressLabel: null,
    });
    r.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const first = r.trainLoss.slice(0, 5).reduce((a, b) => a + b) / 5;
    const last = r.trainLoss.slice(-5).reduce((a, b) => a + b) / 5;
    expect(first, `seed ${SEED}`).toBeGreaterThan(Math.log(VOCAB) - 0.5);
    expect(last, `seed ${SEED}`).toBeLessThan(first - 1);
    // Per-layer statistics on steps 1, 20, 40, 60: each MoE layer routes micro-batch tokens × k assignments.
    const log = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as MetricsRecord & { layers?: LmLayerValues[] });
    const withLayers = log.filter((rec) => rec.layers);
    expect(withLayers.map((rec) => rec.step)).toEqual([1, 20, 40, 60]);
    const cfg = run('sgsm');
    for (const { layers } of withLayers) {
      expect(layers!.map((l) => l.layer)).toEqual([0, 1]);
      for (const l of layers!) {
        const total = l.tokensPerExpert.reduce((a, b) => a + b, 0);
        expect(total).toBe((cfg.batch / cfg.batchSplit) * cfg.model.blockSize * cfg.model.topK);
        expect(l.routingEntropy).toBeGreaterThan(0);
        expect(l.routingEntropy).toBeLessThanOrEqual(Math.log(cfg.model.experts) + 1e-6);
      }
      expect(layers![0]!.stateNorm).toBe(0); // 'g' carries no momentum state
      expect(layers![1]!.stateNorm).toBeGreaterThan(0);
    }
  });
});
