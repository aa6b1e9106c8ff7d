/**
 * JPEG decoding with sharp and the two ImageNet transforms, producing `size`×`size` RGB bytes (HWC):
 * train = random resized crop + horizontal flip; eval = resize the short side, centre crop. Then
 * {@link normalizeInto} scales bytes into a Float32 batch.
 * @module
 */
import { readFile } from 'node:fs/promises';
import sharp, { type Sharp } from 'sharp';
import { DatasetError } from '../errors.js';
import { imageDimensions } from './image-header.js';
import { centerCropGeometry, randomResizedCropBox, type RandomCropRanges } from './geometry.js';
import type { SeededRandom } from '../wikitext/random.js';

/**
 * How bytes become floats: `'minus-one-one'` (v/127.5 − 1, V-MoE / big_vision), `'unit'` (v/255), or
 * per-channel `(v/255 − mean)/std` (torchvision; see {@link IMAGENET_MEAN_STD}).
 */
export type Normalization = 'minus-one-one' | 'unit' | MeanStd;

/** Per-channel RGB mean and standard deviation of [0, 1] pixels. */
export interface MeanStd {
  /** Means of R, G, B. */
  mean: readonly number[];
  /** Standard deviations of R, G, B (positive). */
  std: readonly number[];
}

/** The usual ImageNet RGB mean and std (of [0, 1] pixels), for `Normalization`. */
export const IMAGENET_MEAN_STD: MeanStd = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/** Options shared by the train and eval transforms. */
export interface TransformOptions extends RandomCropRanges {
  /** Output side in pixels (default 224). */
  size?: number;
  /** Eval: the short side is resized to this before the centre crop (default round(size·256/224)). */
  resize?: number;
  /** Train: flip horizontally with probability 1/2 (default true). */
  flip?: boolean;
  /** Resampling kernel (default 'linear', like torchvision's bilinear). */
  kernel?: 'nearest' | 'linear' | 'cubic' | 'mitchell' | 'lanczos2' | 'lanczos3';
  /** sharp's strictness with damaged data (default 'truncated': truncated files fail, minor warnings pass). */
  failOn?: 'none' | 'truncated' | 'error' | 'warning';
}

/** Output side length for `options` (default 224). */
export function outputSize(options: TransformOptions): number {
  return options.size ?? 224;
}

/** Eval resize (short side) for `options`: explicit, or round(size·256/224). */
export function evalResize(options: TransformOptions): number {
  return options.resize ?? Math.round((outputSize(options) * 256) / 224);
}

async function open(path: string, options: TransformOptions) {
  const bytes = await readFile(path);
  const image = sharp(bytes, { failOn: options.failOn ?? 'truncated' });
  const { width, height } = imageDimensions(bytes) ?? (await image.metadata());
  if (!width || !height) throw new DatasetError('image has no size', path);
  return { image, width, height };
}

async function toRgb(image: Sharp, path: string): Promise<Uint8Array> {
  const { data, info } = await image.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new DatasetError(`decoded to ${info.channels} channels, expected RGB`, path);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Train transform: decode, random resized crop (seeded by `rng`), resize to `size`², flip with probability
 * 1/2. Returns `size`·`size`·3 RGB bytes, HWC.
 * @throws whatever sharp throws for an unreadable image (the loader counts and skips those).
 */
export async function decodeTrain(
  path: string,
  rng: SeededRandom,
  options: TransformOptions = {},
): Promise<Uint8Array> {
  const size = outputSize(options);
  const { image, width, height } = await open(path, options);
  const box = randomResizedCropBox(width, height, rng, options);
  const flip = (options.flip ?? true) && rng.uniform() < 0.5;
  const pipeline = image.extract(box).resize(size, size, { fit: 'fill', kernel: options.kernel ?? 'linear' });
  return toRgb(flip ? pipeline.flop() : pipeline, path);
}

/**
 * Eval transform: decode, resize the short side to `resize` (see {@link centerCropGeometry}), centre crop
 * `size`². Returns `size`·`size`·3 RGB bytes, HWC.
 */
export async function decodeEval(path: string, options: TransformOptions = {}): Promise<Uint8Array> {
  const size = outputSize(options);
  const { image, width, height } = await open(path, options);
  const { resizedWidth, resizedHeight, crop } = centerCropGeometry(width, height, evalResize(options), size);
  const pipeline = image
    .resize(resizedWidth, resizedHeight, { fit: 'fill', kernel: options.kernel ?? 'linear' })
    .extract(crop);
  return toRgb(pipeline, path);
}

/** Per-channel affine maps `v ↦ a·v + b` for a {@link Normalization}. */
function affine(norm: Normalization): { a: number[]; b: number[] } {
  if (norm === 'minus-one-one') return { a: [1 / 127.5, 1 / 127.5, 1 / 127.5], b: [-1, -1, -1] };
  if (norm === 'unit') return { a: [1 / 255, 1 / 255, 1 / 255], b: [0, 0, 0] };
  const { mean, std } = norm;
  if (mean.length !== 3 || std.length !== 3 || std.some((s) => !(s > 0))) {
    throw new DatasetError(
      `normalisation needs 3 means and 3 positive stds, got mean [${mean.join(', ')}], std [${std.join(', ')}]`,
    );
  }
  return { a: std.map((s) => 1 / (255 * s)), b: mean.map((m, c) => -m / std[c]!) };
}

/**
 * Writes `rgb` (HWC bytes) into `out` from `offset`, normalised.
 * @example
 * ```ts
 * normalizeInto(await decodeEval(file), batch, i * 224 * 224 * 3, IMAGENET_MEAN_STD);
 * ```
 */
export function normalizeInto(rgb: Uint8Array, out: Float32Array, offset: number, norm: Normalization): void {
  const { a, b } = affine(norm);
  const [a0, a1, a2] = a as [number, number, number];
  const [b0, b1, b2] = b as [number, number, number];
  for (let i = 0; i < rgb.length; i += 3) {
    out[offset + i] = rgb[i]! * a0 + b0;
    out[offset + i + 1] = rgb[i + 1]! * a1 + b1;
    out[offset + i + 2] = rgb[i + 2]! * a2 + b2;
  }
}
