import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@momentum-smoe/core';
import { visionPreset, type VisionMoEConfig } from '@momentum-smoe/models';
import { loadVisionData, type VisionData } from '../src/data/vision-data.js';
import { trainVision, type VisionRunConfig } from '../src/training/vision-trainer.js';
import type { MetricsRecord } from '../src/report/metrics-log.js';

const SEED = 11;

/** A 2-block vmoe-mnist (block 1 the MoE) at hidden 32, router noise on, expert dropout 0, routing groups of 4. */
function tinyConfig(): VisionMoEConfig {
  const base = visionPreset('vmoe-mnist');
  return {
    ...base,
    hidden: 32,
    mlpDim: 64,
    heads: 2,
    blocks: 2,
    representationSize: 32,
    moe: { ...base.moe, blocks: [1], expertHidden: 64, expertDropout: 0, groupSize: 4 },
  };
}

const run = (batchSplit: number): VisionRunConfig => ({
  name: 'tiny vmoe',
  model: tinyConfig(),
  steps: 6,
  batch: 8,
  batchSplit,
  lr: 2e-3,
  warmup: 2,
  endLr: 1e-5,
  weightDecay: 0.1,
  clipNorm: 1,
  seed: SEED,
  evalEvery: 6,
  logEvery: 3,
  evalBatch: 32,
});

let data: VisionData;
beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  data = await loadVisionData({ corpus: 'mnist', trainLimit: 40, testLimit: 32 });
});

describe('vision gradient accumulation (batchSplit)', () => {
  it('two micro-batches of 4 train like one batch of 8 (same losses and weights within float tolerance)', async () => {
    // Micro-batches hold whole routing groups, so capacity, aux losses and router noise see the same groups.
    const dirs = [mkdtempSync(join(tmpdir(), 'split-1-')), mkdtempSync(join(tmpdir(), 'split-2-'))];
    const one = await trainVision(run(1), data, dirs[0]!, { progressLabel: null });
    const two = await trainVision(run(2), data, dirs[1]!, { progressLabel: null });
    // Adam hides a gradient scale error from the weights; the logged gradient norm (before clipping) does not.
    const records = (d: string) =>
      readFileSync(join(d, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as MetricsRecord);
    const norms = dirs.map((d) =>
      records(d)
        .filter((r) => r.gradNorm !== undefined)
        .map((r) => r.gradNorm as number),
    );
    expect(norms[1]).toHaveLength(2);
    norms[1]!.forEach((n, i) => expect(n, `seed ${SEED}`).toBeCloseTo(norms[0]![i]!, 4));
    expect(two.trainLoss).toHaveLength(6);
    two.trainLoss.forEach((l, i) => expect(l, `step ${i + 1}, seed ${SEED}`).toBeCloseTo(one.trainLoss[i]!, 4));
    const a = one.model.namedParameters();
    for (const [name, v] of two.model.namedParameters()) {
      const x = Array.from(v.dataSync());
      const y = a.get(name)!.dataSync();
      const worst = x.reduce((w, xi, i) => Math.max(w, Math.abs(xi - y[i]!)), 0);
      expect(worst, `${name}, seed ${SEED}`).toBeLessThan(1e-4);
    }
    expect(two.evals[0]!.top1).toBeCloseTo(one.evals[0]!.top1, 6);
    one.model.dispose();
    two.model.dispose();
  });
});
