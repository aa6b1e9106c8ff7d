/**
 * The batch loader: a seeded per-epoch order, prefetching decodes, and a position you can save and restore.
 * @module
 */
import { DatasetError } from '../errors.js';
import { mixBatch, mixupWeights, type MixupOptions } from './mixup.js';
import { randAugment, type RandAugmentOptions } from './randaugment/policy.js';
import type { ImageSet } from './image-set.js';
import { prefetchOrdered } from './prefetch.js';
import { permutation, streamFor } from './random.js';
import {
  decodeEval,
  decodeTrain,
  normalizeInto,
  outputSize,
  type Normalization,
  type TransformOptions,
} from './transforms.js';

/**
 * Where a loader stands: the next batch starts at position `index` of epoch `epoch`'s order. Plain JSON;
 * save it with a checkpoint and {@link ImageLoader.restore} it to continue with exactly the same batches.
 */
export interface LoaderState {
  /** The epoch (0-based) whose order the next batch comes from. */
  epoch: number;
  /** Positions of the epoch's order already consumed (skipped images included). */
  index: number;
  /** The seed of the order and the augmentation. */
  seed: number;
  /** Number of images in the set, checked on restore. */
  imageCount: number;
}

/** One batch: NHWC images and their labels. */
export interface ImageBatch {
  /** images: [count, size, size, 3], normalised. */
  images: Float32Array;
  /** labels: [count], class indices of the set (with mixup: each image's own, dominant class). */
  labels: Int32Array;
  /** With mixup: targets [count, classes], the mixed one-hot labels (soft targets for the loss). */
  targets?: Float32Array;
  /** Images in this batch (the batch size, or fewer for a last partial batch). */
  count: number;
  /** Side length of each image. */
  size: number;
  /** The epoch the batch belongs to. */
  epoch: number;
  /** The loader's state after this batch (save it to resume after this batch). */
  state: LoaderState;
}

/** Options of {@link ImageLoader}. */
export interface LoaderOptions extends TransformOptions {
  /** Images per batch. */
  batchSize: number;
  /** Train transform (random crop, flip) and shuffling; false: eval transform, set order. */
  train: boolean;
  /** Seed of the per-epoch order and the augmentation (default 0). */
  seed?: number;
  /** Shuffle each epoch (default: `train`). */
  shuffle?: boolean;
  /** Drop an epoch's last partial batch (default: `train`). */
  dropLast?: boolean;
  /** Pixel normalisation (default 'minus-one-one'). */
  normalize?: Normalization;
  /** Decodes in flight (default 8). */
  concurrency?: number;
  /** Images decoded ahead of the consumer, running or done (default 2 batches). */
  prefetch?: number;
  /** Train: RandAugment after the crop and flip (V-MoE light1: 2 layers, magnitude 10). Default: none. */
  randAugment?: RandAugmentOptions;
  /** Train: mixup of each batch with soft targets over the set's classes (V-MoE light1: 0.2, 2). Default: none. */
  mixup?: MixupOptions;
  /** Called once per unreadable file (default: console.warn). */
  onSkip?: (path: string, error: unknown) => void;
}

/**
 * Yields `[B, size, size, 3]` Float32 batches and Int32 labels from an {@link ImageSet}. Decoding runs
 * `concurrency` images at a time ahead of the consumer. Each epoch's order is a seeded permutation of
 * (seed, epoch) and each image's crop and flip a seeded draw of (seed, epoch, image), so a restored
 * state yields exactly the batches the uninterrupted run would have. An unreadable image is skipped (the
 * batch is filled from the next ones), warned about once and counted in {@link ImageLoader.skipped}. Training can
 * add V-MoE's RandAugment (per image, seeded by (seed, epoch, image)) and mixup (per batch, seeded by (seed, epoch,
 * position)), so they too are reproduced exactly from a restored state.
 * @example
 * ```ts
 * const loader = new ImageLoader(train, { batchSize: 128, train: true, seed: 1 });
 * for await (const { images, labels, state } of loader.epoch()) {
 *   // images: [128, 224, 224, 3]; save `state` with the checkpoint, later: loader.restore(state)
 * }
 * ```
 */
export class ImageLoader {
  /** Times an image was skipped as unreadable (every epoch it comes up in). */
  skipped = 0;
  /** The distinct unreadable files met so far. */
  readonly badFiles = new Set<string>();
  private position: LoaderState;
  private readonly size: number;

  /**
   * @param set the images and labels to load.
   * @param options batch size, transform and prefetch settings.
   */
  constructor(
    /** The images and labels to load. */
    readonly set: ImageSet,
    /** Batch size, transform and prefetch settings. */
    readonly options: LoaderOptions,
  ) {
    if (set.images.length === 0) throw new DatasetError('image set has no images', set.root);
    if (!(Number.isInteger(options.batchSize) && options.batchSize > 0)) {
      throw new DatasetError(`batchSize must be a positive integer, got ${options.batchSize}`);
    }
    this.size = outputSize(options);
    this.position = { epoch: 0, index: 0, seed: options.seed ?? 0, imageCount: set.images.length };
  }

  /** A copy of the current position. */
  get state(): LoaderState {
    return { ...this.position };
  }

  /**
   * Continues from a saved {@link LoaderState}.
   * @throws DatasetError when the state was saved for a set of another size or is out of range.
   */
  restore(state: LoaderState): void {
    const n = this.set.images.length;
    if (state.imageCount !== n) {
      throw new DatasetError(`loader state is for ${state.imageCount} images but this set has ${n}`, this.set.root);
    }
    if (!(
      Number.isInteger(state.epoch) &&
      state.epoch >= 0 &&
      Number.isInteger(state.index) &&
      state.index >= 0 &&
      state.index <= n
    )) {
      throw new DatasetError(`loader state out of range: epoch ${state.epoch}, index ${state.index} (of ${n})`);
    }
    this.position = { ...state };
  }

  /** The order of image indices in `epoch` (a seeded permutation when shuffling). */
  order(epoch: number): Int32Array {
    const n = this.set.images.length;
    if (this.options.shuffle ?? this.options.train) return permutation(streamFor(this.position.seed, epoch), n);
    return Int32Array.from({ length: n }, (_, i) => i);
  }

  private decode(imageIndex: number, epoch: number): Promise<Uint8Array> {
    const { path } = this.set.images[imageIndex]!;
    if (!this.options.train) return decodeEval(path, this.options);
    const cropped = decodeTrain(path, streamFor(this.position.seed, epoch, imageIndex, 0x7a11), this.options);
    const ra = this.options.randAugment;
    if (!ra) return cropped;
    return cropped.then((data) => {
      const rng = streamFor(this.position.seed, epoch, imageIndex, 0x4a4d);
      return randAugment({ data, width: this.size, height: this.size }, rng, ra).data;
    });
  }

  /**
   * Mixup of a finished batch: weights drawn from (seed, epoch, position after the batch), so resuming redraws them.
   */
  private mix(batch: ImageBatch): ImageBatch {
    const mixup = this.options.mixup;
    if (!mixup || !this.options.train || batch.count < 2) return batch;
    const weights = mixupWeights(streamFor(this.position.seed, batch.epoch, batch.state.index, 0x313c), mixup);
    const { images, targets } = mixBatch(batch.images, batch.labels, this.set.classes.length, weights);
    return { ...batch, images, targets };
  }

  private skip(path: string, error: unknown): void {
    this.skipped++;
    if (this.badFiles.has(path)) return;
    this.badFiles.add(path);
    const warn =
      this.options.onSkip ?? ((p, e) => console.warn(`skipping unreadable image ${p}: ${(e as Error).message ?? e}`));
    warn(path, error);
  }

  /**
   * The remaining batches of the current epoch, from the current position; afterwards the position is the
   * start of the next epoch. The position advances as each batch is yielded.
   */
  async *epoch(): AsyncGenerator<ImageBatch> {
    const { epoch, index: start } = this.position;
    const order = this.order(epoch);
    const { batchSize } = this.options;
    const pixels = this.size * this.size * 3;
    const positions = function* () {
      for (let p = start; p < order.length; p++) yield p;
    };
    const decoded = prefetchOrdered(positions(), (p) => this.decode(order[p]!, epoch), {
      concurrency: this.options.concurrency ?? 8,
      capacity: this.options.prefetch ?? 2 * batchSize,
    });
    let images = new Float32Array(batchSize * pixels);
    let labels = new Int32Array(batchSize);
    let count = 0;
    let position = start;
    const emit = (n: number): ImageBatch => {
      this.position = { ...this.position, epoch, index: position };
      const batch = {
        images: images.subarray(0, n * pixels),
        labels: labels.subarray(0, n),
        count: n,
        size: this.size,
        epoch,
        state: this.state,
      };
      images = new Float32Array(batchSize * pixels);
      labels = new Int32Array(batchSize);
      count = 0;
      return batch;
    };
    for await (const result of decoded) {
      const image = this.set.images[order[position]!]!;
      position++;
      if (!result.ok) {
        this.skip(image.path, result.error);
        continue;
      }
      normalizeInto(result.value, images, count * pixels, this.options.normalize ?? 'minus-one-one');
      labels[count++] = image.label;
      if (count === batchSize) yield this.mix(emit(batchSize));
    }
    if (count > 0 && !(this.options.dropLast ?? this.options.train)) yield this.mix(emit(count));
    this.position = { ...this.position, epoch: epoch + 1, index: 0 };
  }
}
