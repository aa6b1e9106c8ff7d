/**
 * The image data of a vision run: the embedded MNIST digits (`--corpus mnist`) or an ILSVRC-2012 folder, as a
 * resumable training stream of NHWC float batches and a held-out split for evaluation.
 * @module
 */
import { Rng } from '@momentum-smoe/core';
import {
  ImageLoader,
  loadMnist,
  openImageNet,
  MNIST_CLASSES,
  MNIST_SIZE,
  type ImageSet,
  type LoaderOptions,
  type LoaderState,
  type MnistSplit,
} from '@momentum-smoe/datasets';
import type { VisionAugment } from '../vision/recipe.js';
import { digitShift, shiftImage } from '../vision/digit-shift.js';

/** One batch: `images: [count, size, size, channels]` model input, `labels: [count]` class ids. */
export interface VisionBatch {
  /** `[count, size, size, channels]`, row-major. */
  images: Float32Array;
  /** `[count]` class ids. */
  labels: Int32Array;
  /** With mixup: `[count, classes]` soft targets, which the loss takes instead of `labels`. */
  targets?: Float32Array;
  /** Images in the batch. */
  count: number;
}

/** Where a training stream stands (plain JSON, saved in checkpoints). */
export type VisionDataState =
  /** MNIST: the next batch starts at `index` of epoch `epoch`'s seeded order. */
  | { kind: 'mnist'; epoch: number; index: number; seed: number; imageCount: number }
  /** An image folder: the datasets loader's own state. */
  | { kind: 'folder'; loader: LoaderState };

/** Endless training batches in a seeded per-epoch order, with a position that can be saved and restored. */
export interface TrainStream {
  /** The next full batch (epochs roll over; an epoch's last partial batch is dropped). */
  next(): Promise<VisionBatch>;
  /** The position after the last batch returned. */
  state(): VisionDataState;
  /** Continues from a saved position (the stream must have been made with the same data, batch and seed). */
  restore(state: VisionDataState): void;
}

/** A held-out split, read in a fixed order. */
export interface EvalSplit {
  /** For logs, e.g. `mnist test` or `imagenet val`. */
  name: string;
  /** Images in the split. */
  count: number;
  /** The split's batches, the last one possibly smaller. */
  batches(batch: number): AsyncIterable<VisionBatch>;
}

/** A vision data set ready for training and evaluation. */
export interface VisionData {
  /** Which kind of data: the embedded digits or an ILSVRC-2012 folder. */
  kind: 'mnist' | 'imagenet';
  /** Where the images came from. */
  source: string;
  /** Square side of the model input in pixels. */
  imageSize: number;
  /** Channels of the model input (1 for MNIST, 3 for ImageNet). */
  channels: number;
  /** Class names in label order (digits, or ImageNet wnids). */
  classes: readonly string[];
  /** A training stream of `batch` images whose order is seeded by `seed`. */
  train(batch: number, seed: number): TrainStream;
  /** The held-out split evaluated during training. */
  eval: EvalSplit;
  /** MNIST only: the held-out digits as `[N, 28, 28]` values in [0, 1], for the corruption evaluation. */
  mnistTest?: MnistSplit;
}

/** Where {@link loadVisionData} reads from. */
export type VisionDataSpec =
  | {
      corpus: 'mnist';
      testFraction?: number;
      trainLimit?: number;
      testLimit?: number;
      augment?: VisionAugment | null;
    }
  | { imagenet: string; imageSize: number; evalLimit?: number; concurrency?: number; augment?: VisionAugment | null };

/** MNIST digits in [0, 1] → model input in [−1, 1] (V-MoE's pixel range), `[N, 28, 28]` → `[N, 28, 28, 1]`. */
export function digitsToInput(digits: Float32Array): Float32Array {
  return digits.map((v) => 2 * v - 1);
}

/** The first `limit` images of a split (all when `limit` is undefined). */
function head(split: MnistSplit, limit: number | undefined): MnistSplit {
  if (limit === undefined || limit >= split.count) return split;
  const px = MNIST_SIZE * MNIST_SIZE;
  return { images: split.images.slice(0, limit * px), labels: split.labels.slice(0, limit), count: limit };
}

/** A seeded permutation per (seed, epoch). */
function epochOrder(seed: number, epoch: number, n: number): Int32Array {
  return new Rng((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b)) >>> 0).permutation(n);
}

/** Training batches over in-memory digits. */
class MnistStream implements TrainStream {
  private epoch = 0;
  private index = 0;
  private order: Int32Array;

  constructor(
    private readonly split: MnistSplit,
    private readonly batch: number,
    private readonly seed: number,
    private readonly maxShift = 0,
  ) {
    if (!(Number.isInteger(batch) && batch > 0 && batch <= split.count)) {
      throw new RangeError(
        `MNIST training batch must be an integer in [1, ${split.count}] (the training images), got ${batch}`,
      );
    }
    this.order = epochOrder(seed, 0, split.count);
  }

  async next(): Promise<VisionBatch> {
    if (this.index + this.batch > this.split.count) {
      this.epoch++;
      this.index = 0;
      this.order = epochOrder(this.seed, this.epoch, this.split.count);
    }
    const px = MNIST_SIZE * MNIST_SIZE;
    const images = new Float32Array(this.batch * px); // [B, 28, 28, 1]
    const labels = new Int32Array(this.batch);
    const digit = new Float32Array(px); // [28, 28] in [−1, 1]
    for (let b = 0; b < this.batch; b++) {
      const i = this.order[this.index + b]!;
      const src = this.split.images.subarray(i * px, (i + 1) * px);
      for (let p = 0; p < px; p++) digit[p] = 2 * src[p]! - 1;
      const out = images.subarray(b * px, (b + 1) * px);
      if (this.maxShift > 0) {
        const [dx, dy] = digitShift(this.seed, this.epoch, i, this.maxShift);
        shiftImage(digit, out, MNIST_SIZE, dx, dy, -1);
      } else out.set(digit);
      labels[b] = this.split.labels[i]!;
    }
    this.index += this.batch;
    return { images, labels, count: this.batch };
  }

  state(): VisionDataState {
    return { kind: 'mnist', epoch: this.epoch, index: this.index, seed: this.seed, imageCount: this.split.count };
  }

  restore(state: VisionDataState): void {
    if (state.kind !== 'mnist' || state.imageCount !== this.split.count || state.seed !== this.seed) {
      throw new Error(
        `saved data position (${JSON.stringify(state)}) is not for these ${this.split.count} MNIST training images ` +
          `with seed ${this.seed}`,
      );
    }
    this.epoch = state.epoch;
    this.index = state.index;
    this.order = epochOrder(this.seed, this.epoch, this.split.count);
  }
}

/** Training batches from an ImageNet folder through the datasets package's prefetching `ImageLoader`. */
class FolderStream implements TrainStream {
  private readonly loader: ImageLoader;
  private epoch: AsyncGenerator<VisionBatch> | null = null;

  constructor(
    set: ImageSet,
    batch: number,
    seed: number,
    imageSize: number,
    concurrency?: number,
    augment?: VisionAugment | null,
  ) {
    const options: LoaderOptions = {
      batchSize: batch,
      train: true,
      seed,
      size: imageSize,
      ...(concurrency ? { concurrency } : {}),
    };
    if (augment) {
      options.scale = augment.cropArea;
      if (augment.randAugment) options.randAugment = augment.randAugment;
      if (augment.mixup) options.mixup = augment.mixup;
    }
    this.loader = new ImageLoader(set, options);
  }

  async next(): Promise<VisionBatch> {
    for (let attempt = 0; attempt < 2; attempt++) {
      this.epoch ??= this.loader.epoch();
      const r = await this.epoch.next();
      if (!r.done) return r.value;
      this.epoch = null;
    }
    throw new Error(
      `the training set ${this.loader.set.root} yields no full batch of ${this.loader.options.batchSize} images`,
    );
  }

  state(): VisionDataState {
    return { kind: 'folder', loader: this.loader.state };
  }

  restore(state: VisionDataState): void {
    if (state.kind !== 'folder') throw new Error('saved data position is for MNIST, not an image folder');
    void this.epoch?.return(undefined);
    this.epoch = null;
    this.loader.restore(state.loader);
  }
}

/** Eval batches of a labelled image set (resize and centre crop), in the set's order. */
export function folderSplit(name: string, set: ImageSet, imageSize: number, concurrency?: number): EvalSplit {
  return {
    name,
    count: set.images.length,
    async *batches(batch) {
      const loader = new ImageLoader(set, {
        batchSize: batch,
        train: false,
        size: imageSize,
        ...(concurrency ? { concurrency } : {}),
      });
      yield* loader.epoch();
    },
  };
}

/** A fixed, seeded subset of `limit` images of `set` (all of it when `limit` is undefined). */
function subsample(set: ImageSet, limit: number | undefined): ImageSet {
  if (limit === undefined || limit >= set.images.length) return set;
  const picked = [...epochOrder(0, 0, set.images.length).subarray(0, limit)].sort((a, b) => a - b);
  return { ...set, images: picked.map((i) => set.images[i]!) };
}

/**
 * Loads MNIST (train/test split of the embedded digits, optionally only the first images of each) or opens an
 * ILSVRC-2012 folder (train for training, with the `augment` recipe; val, or a seeded subset of `evalLimit` val
 * images, for evaluation).
 * @example
 * ```ts
 * const data = await loadVisionData({ corpus: 'mnist' });
 * const stream = data.train(64, 1);
 * const { images, labels } = await stream.next(); // images: [64, 28, 28, 1] in [−1, 1]
 * ```
 */
export async function loadVisionData(spec: VisionDataSpec): Promise<VisionData> {
  if ('corpus' in spec) {
    const { train, test } = await loadMnist({ testFraction: spec.testFraction ?? 0.2 });
    const trainSplit = head(train, spec.trainLimit);
    const testSplit = head(test, spec.testLimit);
    return {
      kind: 'mnist',
      source: `mnist (${trainSplit.count} train, ${testSplit.count} test digits)`,
      imageSize: MNIST_SIZE,
      channels: 1,
      classes: Array.from({ length: MNIST_CLASSES }, (_, i) => String(i)),
      train: (batch, seed) => new MnistStream(trainSplit, batch, seed, spec.augment?.digitShift ?? 0),
      eval: digitSplit('mnist test', testSplit),
      mnistTest: testSplit,
    };
  }
  const { classes, train, val } = await openImageNet(spec.imagenet);
  const held = subsample(val, spec.evalLimit);
  return {
    kind: 'imagenet',
    source: `${spec.imagenet} (${train.images.length} train, ${held.images.length} val images)`,
    imageSize: spec.imageSize,
    channels: 3,
    classes,
    train: (batch, seed) => new FolderStream(train, batch, seed, spec.imageSize, spec.concurrency, spec.augment),
    eval: folderSplit('imagenet val', held, spec.imageSize, spec.concurrency),
  };
}

/** An eval split over in-memory digits in [0, 1] (e.g. corrupted ones), fed to the model in [−1, 1]. */
export function digitSplit(name: string, split: MnistSplit): EvalSplit {
  const px = MNIST_SIZE * MNIST_SIZE;
  return {
    name,
    count: split.count,
    async *batches(batch) {
      for (let start = 0; start < split.count; start += batch) {
        const end = Math.min(split.count, start + batch);
        yield {
          images: digitsToInput(split.images.subarray(start * px, end * px)),
          labels: split.labels.subarray(start, end),
          count: end - start,
        };
      }
    },
  };
}
