import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ImageLoader,
  prefetchOrdered,
  scanClassFolders,
  type ImageBatch,
  type ImageSet,
  type LoaderOptions,
} from '@momentum-smoe/datasets';
import { tempDir, texture, writeClassFolders, writeImage } from './imagenet-fixtures.js';

async function collect(loader: ImageLoader): Promise<ImageBatch[]> {
  const batches: ImageBatch[] = [];
  for await (const batch of loader.epoch()) batches.push(batch);
  return batches;
}

/** Bit-exact equality of two float arrays (views included). */
function sameFloats(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

const SIZE = 16;
const PIXELS = SIZE * SIZE * 3;

describe('ImageLoader', () => {
  let set: ImageSet;
  beforeAll(async () => {
    const root = await tempDir();
    await writeClassFolders(join(root, 'train'), { n01000000: 4, n02000000: 3, n03000000: 3 }, 24);
    set = await scanClassFolders(join(root, 'train'));
  });
  const train: LoaderOptions = { batchSize: 4, train: true, size: SIZE, seed: 9, concurrency: 3 };

  it('train batches: [4, 16, 16, 3] in [−1, 1], labels of a seeded permutation, last partial batch dropped', async () => {
    const loader = new ImageLoader(set, train);
    const batches = await collect(loader);
    expect(batches.map((b) => b.count)).toEqual([4, 4]);
    const order = loader.order(0);
    expect([...order].sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
    for (const [k, b] of batches.entries()) {
      expect(b.images).toHaveLength(4 * PIXELS);
      expect(b.images.every((v) => v >= -1 && v <= 1)).toBe(true);
      expect([...b.labels]).toEqual([...order.subarray(4 * k, 4 * k + 4)].map((i) => set.images[i]!.label));
    }
    expect(loader.state).toEqual({ epoch: 1, index: 0, seed: 9, imageCount: 10 });
    expect([...loader.order(1)]).not.toEqual([...order]);
  });

  it('same seed, same batches; resuming from a saved position gives the same remaining batches', async () => {
    const first = new ImageLoader(set, { ...train, batchSize: 3 });
    const all = await collect(first);
    const again = await collect(new ImageLoader(set, { ...train, batchSize: 3 }));
    expect(again.map((b, i) => sameFloats(b.images, all[i]!.images))).toEqual(all.map(() => true));
    const resumed = new ImageLoader(set, { ...train, batchSize: 3, seed: 1234 });
    resumed.restore(JSON.parse(JSON.stringify(all[0]!.state)) as ImageBatch['state']);
    const rest = await collect(resumed);
    expect(rest).toHaveLength(all.length - 1);
    rest.forEach((b, i) => {
      expect([...b.labels]).toEqual([...all[i + 1]!.labels]);
      expect(sameFloats(b.images, all[i + 1]!.images), `batch ${i + 1}`).toBe(true);
    });
    // the epoch after a resumed one matches the uninterrupted run's next epoch
    const next1 = await collect(first);
    const next2 = await collect(resumed);
    expect(next2.map((b) => [...b.labels])).toEqual(next1.map((b) => [...b.labels]));
  });

  it('eval: set order, partial last batch kept, mean/std normalisation of a constant image', async () => {
    const dir = await tempDir();
    await writeImage(
      join(dir, 'n01000000', 'a.png'),
      new Uint8Array(30 * 20 * 3).fill(0).map((_, i) => [200, 100, 30][i % 3]!),
      30,
      20,
    );
    await writeClassFolders(dir, { n02000000: 2 }, 20);
    const small = await scanClassFolders(dir);
    const loader = new ImageLoader(small, {
      batchSize: 2,
      train: false,
      size: 8,
      normalize: { mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] },
    });
    const batches = await collect(loader);
    expect(batches.map((b) => [...b.labels])).toEqual([[0, 1], [1]]);
    const expected = [(200 / 255 - 0.5) / 0.2, (100 / 255 - 0.4) / 0.25, (30 / 255 - 0.3) / 0.3];
    for (let i = 0; i < 8 * 8 * 3; i++) expect(batches[0]!.images[i]).toBeCloseTo(expected[i % 3]!, 5);
  });

  it('an unreadable or truncated image is skipped with a warning, counted, and the batch filled from the next', async () => {
    const dir = await tempDir();
    await writeClassFolders(dir, { n01000000: 3, n02000000: 2 }, 20);
    await writeFile(join(dir, 'n01000000', 'garbage.JPEG'), 'not a jpeg at all');
    const good = join(dir, 'n02000000', 'zz_truncated.JPEG');
    await writeImage(good, texture(40, 40, 3), 40, 40);
    const bytes = await readFile(good);
    await writeFile(good, bytes.subarray(0, bytes.length >> 1));
    const broken = await scanClassFolders(dir);
    expect(broken.images).toHaveLength(7);
    const warned: string[] = [];
    const loader = new ImageLoader(broken, { batchSize: 2, train: false, size: 8, onSkip: (p) => warned.push(p) });
    const batches = await collect(loader);
    expect(loader.skipped).toBe(2);
    expect(warned.sort()).toEqual([join(dir, 'n01000000', 'garbage.JPEG'), good]);
    expect(batches.map((b) => b.count)).toEqual([2, 2, 1]);
    expect(batches.flatMap((b) => [...b.labels])).toEqual([0, 0, 0, 1, 1]);
    // a second epoch counts the skips again but warns once per file
    await collect(loader);
    expect([loader.skipped, warned.length, loader.badFiles.size]).toEqual([4, 2, 2]);
  });

  it('restore rejects a state saved for another set', () => {
    const loader = new ImageLoader(set, train);
    expect(() => loader.restore({ epoch: 0, index: 0, seed: 9, imageCount: 11 })).toThrow(
      /11 images but this set has 10/,
    );
  });
});

describe('prefetchOrdered', () => {
  it('keeps input order with at most `concurrency` running and `capacity` unconsumed (seed 5 delays)', async () => {
    let running = 0;
    let peak = 0;
    let started = 0;
    let consumed = 0;
    let worstAhead = 0;
    let s = 5;
    const delay = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % 7) + 1;
    const task = async (i: number) => {
      running++;
      started++;
      peak = Math.max(peak, running);
      worstAhead = Math.max(worstAhead, started - consumed);
      await new Promise((r) => setTimeout(r, delay()));
      running--;
      if (i === 13) throw new Error('boom');
      return i * 10;
    };
    const out: (number | string)[] = [];
    for await (const r of prefetchOrdered([...Array(30).keys()], task, { concurrency: 3, capacity: 5 })) {
      consumed++;
      out.push(r.ok ? r.value : 'error');
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(out).toEqual([...Array(30).keys()].map((i) => (i === 13 ? 'error' : i * 10)));
    expect(peak).toBe(3);
    // started − consumed also counts the one result in hand-over (taken from the queue, not yet counted here)
    expect(worstAhead).toBeLessThanOrEqual(5 + 1);
    expect(worstAhead).toBeGreaterThanOrEqual(5);
  });
});
