/**
 * Crop geometry of the train and eval transforms, in source pixels, following torchvision exactly
 * (`RandomResizedCrop.get_params`, `Resize(int)` + `CenterCrop`) including Python's round-half-to-even.
 * @module
 */
import { DatasetError } from '../errors.js';
import type { SeededRandom } from '../wikitext/random.js';
import { uniformIn } from './random.js';

/** A rectangle in image pixels. */
export interface CropBox {
  /** First column. */
  left: number;
  /** First row. */
  top: number;
  /** Columns. */
  width: number;
  /** Rows. */
  height: number;
}

/** Python's `round`: halves go to the even neighbour (so 58.5 → 58, 59.5 → 60). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Ranges of {@link randomResizedCropBox}. */
export interface RandomCropRanges {
  /** Crop area as a fraction of the image area (default [0.08, 1], torchvision / Inception). */
  scale?: readonly [number, number];
  /** Crop aspect ratio width/height, sampled log-uniformly (default [3/4, 4/3]). */
  ratio?: readonly [number, number];
}

/**
 * The random-resized-crop box: up to 10 tries of a random area fraction in `scale` and log-uniform aspect
 * ratio in `ratio` that fits the image, at a uniformly random position; otherwise a centred crop with the
 * ratio clamped to `ratio` (torchvision's fallback).
 * @example
 * ```ts
 * const box = randomResizedCropBox(500, 375, streamFor(seed, epoch, image)); // then resize box → 224×224
 * ```
 */
export function randomResizedCropBox(
  width: number,
  height: number,
  rng: SeededRandom,
  ranges: RandomCropRanges = {},
): CropBox {
  const [sLo, sHi] = ranges.scale ?? [0.08, 1];
  const [rLo, rHi] = ranges.ratio ?? [3 / 4, 4 / 3];
  if (!(sLo > 0 && sLo <= sHi && rLo > 0 && rLo <= rHi)) {
    throw new DatasetError(
      `random crop: need 0 < scale[0] ≤ scale[1] and 0 < ratio[0] ≤ ratio[1], ` +
        `got scale [${sLo}, ${sHi}], ratio [${rLo}, ${rHi}]`,
    );
  }
  const area = width * height;
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * uniformIn(rng, sLo, sHi);
    const aspect = Math.exp(uniformIn(rng, Math.log(rLo), Math.log(rHi)));
    const w = roundHalfEven(Math.sqrt(targetArea * aspect));
    const h = roundHalfEven(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const top = rng.int(height - h + 1);
      const left = rng.int(width - w + 1);
      return { left, top, width: w, height: h };
    }
  }
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < rLo) h = roundHalfEven(w / rLo);
  else if (inRatio > rHi) w = roundHalfEven(h * rHi);
  return { left: Math.floor((width - w) / 2), top: Math.floor((height - h) / 2), width: w, height: h };
}

/** Where the eval transform resizes to and what it then crops. */
export interface EvalGeometry {
  /** Width after resizing the short side to `resize` (long side truncated, as torchvision). */
  resizedWidth: number;
  /** Height after that resize. */
  resizedHeight: number;
  /** The centred crop, in resized pixels. */
  crop: CropBox;
}

/**
 * Eval geometry: resize the short side to `resize` (long side `floor(resize·long/short)`), then take the
 * centred `size`×`size` crop at offsets `round((resized − size)/2)`.
 * @example
 * ```ts
 * centerCropGeometry(500, 375, 256, 224); // resized 341×256, crop at left 58, top 16
 * ```
 */
export function centerCropGeometry(width: number, height: number, resize: number, size: number): EvalGeometry {
  if (size > resize) throw new DatasetError(`eval transform: crop size ${size} is larger than the resize ${resize}`);
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  const longResized = Math.floor((resize * long) / short);
  const resizedWidth = width <= height ? resize : longResized;
  const resizedHeight = width <= height ? longResized : resize;
  const crop = {
    left: roundHalfEven((resizedWidth - size) / 2),
    top: roundHalfEven((resizedHeight - size) / 2),
    width: size,
    height: size,
  };
  return { resizedWidth, resizedHeight, crop };
}
