import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@momentum-smoe/core';
import { visionPreset } from '@momentum-smoe/models';
import { loadVisionData, type VisionData } from '../src/data/vision-data.js';
import { compareVision } from '../src/vision/compare-vision.js';
import { visionRecipe } from '../src/vision/recipe.js';
import { writeVisionReport } from '../src/vision/vision-report.js';

let data: VisionData;
beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  data = await loadVisionData({ corpus: 'mnist', trainLimit: 32, testLimit: 24 });
});

describe('compareVision', () => {
  it('trains each variant, evaluates robustness, normalises mCE by the first variant (which reads 100), and reports', async () => {
    const base = visionPreset('vmoe-mnist');
    const outDir = mkdtempSync(join(tmpdir(), 'vision-compare-'));
    const results = await compareVision({
      variants: ['vmoe-mnist', 'momentum-vmoe-mnist'],
      seeds: [1],
      data,
      budget: {
        ...visionRecipe('vmoe-mnist'),
        steps: 2,
        batch: 8,
        warmup: 1,
        evalEvery: 2,
        logEvery: 2,
        evalBatch: 24,
      },
      outDir,
      modelOverrides: {
        hidden: 32,
        mlpDim: 64,
        heads: 2,
        blocks: 2,
        representationSize: 32,
        moe: { ...base.moe, blocks: [1], expertHidden: 64 },
      },
    });
    expect(results.map((r) => [r.variant, r.seed, r.trainLoss.length, r.clean.count])).toEqual([
      ['vmoe-mnist', 1, 2, 24],
      ['momentum-vmoe-mnist', 1, 2, 24],
    ]);
    const [plain, momentum] = results.map((r) => r.robustness!);
    expect(plain!.mCE).toBeCloseTo(100, 9);
    // By hand: ImageNet-C's formula with the baseline's per-corruption mean errors as the reference.
    const mean = (e: number[]) => e.reduce((a, b) => a + b, 0) / 5;
    const corruptions = Object.keys(plain!.errors);
    const expected =
      (100 *
        corruptions.reduce((a, c) => a + mean(momentum!.errors[c]!) / Math.max(1e-6, mean(plain!.errors[c]!)), 0)) /
      corruptions.length;
    expect(momentum!.mCE).toBeCloseTo(expected, 9);
    expect(momentum!.baseline).toBe('vmoe-mnist (mean over 1 seeds)');

    const files = writeVisionReport(outDir, results, { data: data.source });
    expect([...files.plots].sort()).toEqual([
      'corrupted.svg',
      'expert-load-momentum-vmoe-mnist.svg',
      'expert-load-vmoe-mnist.svg',
      'loss.svg',
      'top1.svg',
    ]);
    const md = readFileSync(files.report, 'utf8');
    const rows = md.split('\n').filter((l) => l.startsWith('| vmoe-mnist') || l.startsWith('| momentum-vmoe-mnist'));
    results.forEach((r, i) => {
      const cells = rows[i]!.split('|').map((c) => c.trim());
      const corrupted = Object.values(r.robustness!.top1).flat();
      expect(cells.slice(1, 6)).toEqual([
        r.variant,
        (100 * r.clean.top1).toFixed(2),
        (100 * r.clean.top5).toFixed(2),
        ((100 * corrupted.reduce((a, b) => a + b, 0)) / corrupted.length).toFixed(2),
        r.robustness!.mCE!.toFixed(2),
      ]);
      expect(r.trainSeconds).toBeGreaterThan(0);
      expect(cells.slice(6, 8)).toEqual(['2', (r.trainSeconds / 60).toFixed(1)]);
    });
    expect(md).toContain('![top1](top1.svg)');
  });
});
