// Mixup against closed forms and a naive loop, and the augmented training loader (RandAugment + mixup): seeded,
// and reproduced exactly after a restore.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  gammaDraw,
  ImageLoader,
  mixBatch,
  mixupWeights,
  scanClassFolders,
  SeededRandom,
  type ImageBatch,
  type ImageSet,
} from '@momentum-smoe/datasets';
import { tempDir, writeClassFolders } from './imagenet-fixtures.js';

describe('mixup', () => {
  it('Gamma draws have mean and variance equal to the shape (0.2 as in light1, and 2.5)', () => {
    for (const shape of [0.2, 2.5]) {
      const seed = 17;
      const rng = new SeededRandom(seed);
      const n = 40_000;
      const xs = Array.from({ length: n }, () => gammaDraw(rng, shape));
      const mean = xs.reduce((a, v) => a + v, 0) / n;
      const variance = xs.reduce((a, v) => a + (v - mean) ** 2, 0) / n;
      // standard error of the mean √(shape/n); of the variance ≈ √(Var(X²)/n), small next to the 10% allowed
      expect(Math.abs(mean - shape), `seed ${seed}`).toBeLessThan(5 * Math.sqrt(shape / n));
      expect(Math.abs(variance / shape - 1), `seed ${seed}`).toBeLessThan(0.1);
    }
  });

  it('weights are a sorted Dirichlet draw; E[max] of Beta(0.2, 0.2) = 1/2 + E|λ − 1/2| ≈ 0.8739', () => {
    const rng = new SeededRandom(5);
    const draws = Array.from({ length: 20_000 }, () => mixupWeights(rng, { concentration: 0.2, size: 2 }));
    for (const [a, b] of draws.slice(0, 100)) {
      expect(a! + b!).toBeCloseTo(1, 12);
      expect(a!).toBeGreaterThanOrEqual(b!);
    }
    // E[max(λ, 1 − λ)] for λ ~ Beta(α, α), by midpoint quadrature of the density ∝ (x(1 − x))^(α − 1).
    const alpha = 0.2;
    const steps = 200_000;
    let num = 0;
    let den = 0;
    for (let i = 0; i < steps; i++) {
      const x = (i + 0.5) / steps;
      const pdf = Math.pow(x * (1 - x), alpha - 1);
      num += Math.max(x, 1 - x) * pdf;
      den += pdf;
    }
    const expected = num / den; // the singular endpoints make the midpoint rule slightly low; 2e-2 covers it
    const mean = draws.reduce((s, [a]) => s + a!, 0) / draws.length;
    expect(Math.abs(mean - expected)).toBeLessThan(2e-2);
    expect(mean).toBeGreaterThan(0.8);
  });

  it('mixBatch mixes image i with image i+1 (cyclically) and labels into soft targets', () => {
    const images = Float32Array.from({ length: 3 * 4 }, (_, i) => i / 7 - 0.5); // [3, 4]
    const labels = Int32Array.from([2, 0, 2]);
    const w = [0.7, 0.3];
    const { images: mixed, targets } = mixBatch(images, labels, 3, w);
    for (let i = 0; i < 3; i++) {
      const j = (i + 1) % 3;
      for (let p = 0; p < 4; p++)
        expect(mixed[i * 4 + p]).toBeCloseTo(0.7 * images[i * 4 + p]! + 0.3 * images[j * 4 + p]!, 6);
      const row = [0, 0, 0];
      row[labels[i]!]! += 0.7;
      row[labels[j]!]! += 0.3;
      expect([...targets.subarray(i * 3, i * 3 + 3)].map((v) => +v.toFixed(6))).toEqual(row.map((v) => +v.toFixed(6)));
    }
  });
});

async function collect(loader: ImageLoader): Promise<ImageBatch[]> {
  const out: ImageBatch[] = [];
  for await (const b of loader.epoch()) out.push(b);
  return out;
}

describe('the augmented training loader (V-MoE light1)', () => {
  let set: ImageSet;
  beforeAll(async () => {
    const root = await tempDir();
    await writeClassFolders(join(root, 'train'), { n01000000: 3, n02000000: 3, n03000000: 3 }, 24);
    set = await scanClassFolders(join(root, 'train'));
  });
  const options = {
    batchSize: 3,
    train: true,
    size: 16,
    seed: 4,
    scale: [0.05, 1] as const,
    randAugment: { layers: 2, magnitude: 10 },
    mixup: { concentration: 0.2, size: 2 },
  };

  it('emits soft targets that sum to 1 with the dominant weight on the own label, and resumes exactly', async () => {
    const all = await collect(new ImageLoader(set, options));
    expect(all).toHaveLength(3);
    for (const b of all) {
      expect(b.targets).toHaveLength(3 * 3);
      for (let i = 0; i < 3; i++) {
        const row = b.targets!.subarray(i * 3, i * 3 + 3);
        expect(row.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
        expect(row[b.labels[i]!]!).toBeGreaterThanOrEqual(0.5 - 1e-6);
      }
      expect(b.images.every((v) => v >= -1 - 1e-6 && v <= 1 + 1e-6)).toBe(true);
    }
    const resumed = new ImageLoader(set, options);
    resumed.restore(JSON.parse(JSON.stringify(all[0]!.state)) as ImageBatch['state']);
    const rest = await collect(resumed);
    rest.forEach((b, i) => {
      expect([...b.images]).toEqual([...all[i + 1]!.images]);
      expect([...b.targets!]).toEqual([...all[i + 1]!.targets!]);
    });
    // RandAugment changes the pixels: without it the same crops differ from the augmented batch.
    const plain = await collect(new ImageLoader(set, { ...options, randAugment: undefined, mixup: undefined }));
    expect([...plain[0]!.images]).not.toEqual([...all[0]!.images]);
    expect(plain[0]!.targets).toBeUndefined();
  });
});
