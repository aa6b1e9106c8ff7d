import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, readSafetensors } from '@momentum-smoe/core';
import { visionPreset } from '@momentum-smoe/models';
import { loadVisionData } from '../src/data/vision-data.js';
import { runParallelJob } from '../src/training/dp-launch.js';
import type { DpJobResult } from '../src/training/dp-job.js';
import { trainVision, type VisionRunConfig } from '../src/training/vision-trainer.js';

const SEED = 5;
const base = visionPreset('momentum-vmoe-mnist');
/**
 * 2 blocks (block 1 the MoE) at hidden 32, routing groups of 4 images; no router noise and no expert dropout, whose
 * random streams are each rank's own.
 */
const run: VisionRunConfig = {
  name: 'tiny momentum-vmoe',
  seed: SEED,
  steps: 4,
  batch: 16,
  lr: 2e-3,
  warmup: 2,
  endLr: 1e-5,
  weightDecay: 0.1,
  clipNorm: 1,
  evalEvery: 4,
  logEvery: 2,
  evalBatch: 128,
  model: {
    ...base,
    hidden: 32,
    mlpDim: 64,
    heads: 2,
    blocks: 2,
    representationSize: 32,
    moe: { ...base.moe, blocks: [1], expertHidden: 64, expertDropout: 0, noiseStd: 0, groupSize: 4 },
  },
};

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('data-parallel vision training on worker threads', () => {
  it('2 workers (8 images each) train like 1 process on 16, and split the evaluation', async () => {
    const dirOne = mkdtempSync(join(tmpdir(), 'vdp-one-'));
    const one = await trainVision(run, await loadVisionData({ corpus: 'mnist' }), dirOne, { progressLabel: null });
    one.model.dispose();
    const dirTwo = mkdtempSync(join(tmpdir(), 'vdp-two-'));
    const job = { kind: 'vision' as const, backend: 'wasm', run, outDir: dirTwo, resume: false };
    const two = ((await runParallelJob({ mode: 'workers', size: 2 }, job)) as Extract<DpJobResult, { kind: 'vision' }>)
      .result;
    two.trainLoss.forEach((l, i) => expect(l, `step ${i + 1}, seed ${SEED}`).toBeCloseTo(one.trainLoss[i]!, 4));
    expect(two.evals).toHaveLength(1);
    expect(two.evals[0]!.top1).toBeCloseTo(one.evals[0]!.top1, 6);
    expect(two.evals[0]!.loss).toBeCloseTo(one.evals[0]!.loss, 4);
    const a = (await readSafetensors(join(dirOne, 'last.safetensors'))).tensors;
    const b = (await readSafetensors(join(dirTwo, 'last.safetensors'))).tensors;
    for (const [name, t] of a) {
      const u = b.get(name)!.data;
      const worst = Array.from(t.data).reduce((w, x, i) => Math.max(w, Math.abs(x - u[i]!)), 0);
      expect(worst, `${name}, seed ${SEED}`).toBeLessThan(2e-4);
    }
  }, 180_000);
});
