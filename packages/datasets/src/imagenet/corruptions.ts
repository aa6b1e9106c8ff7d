/**
 * Seeded re-implementations of four ImageNet-C corruptions (Hendrycks & Dietterich 2019,
 * `make_imagenet_c.py`), with its severity parameters, applied to [0, 1] pixels and stored like the
 * reference (`np.uint8(clip(x, 0, 1)·255)`, truncating); each with its parameter at severities 1..5 and the
 * reference op:
 *
 * - `gaussian_noise`: std 0.08, 0.12, 0.18, 0.26, 0.38; x + N(0, std²) per value.
 * - `impulse_noise`: amount 0.03, 0.06, 0.09, 0.17, 0.27; skimage 's&p', each value replaced with prob. amount, by
 *   0 or 1 equally.
 * - `defocus_blur`: (radius, alias blur) (3, .1), (4, .5), (6, .5), (8, .5), (10, .5); cv2.filter2D with a disk,
 *   reflect-101 border.
 * - `gaussian_blur`: sigma 1, 2, 3, 4, 6; skimage gaussian, truncate 4, 'nearest' border.
 *
 * The disk is `x²+y² ≤ radius²` on offsets −max(8, radius)..max(8, radius), normalised, then smoothed by a
 * Gaussian of `alias blur` with a 3×3 (radius ≤ 8) or 5×5 window (cv2.GaussianBlur, reflect-101).
 * gaussian_blur is one of ImageNet-C's extra (held-out) corruptions, so it has no AlexNet reference for mCE.
 * The parameters assume 224×224 images, as ImageNet-C's were (val resized to 256, centre crop 224).
 * @module
 */
import { DatasetError } from '../errors.js';
import { filter2d, gaussianKernel, separableFilter, type Planes } from './filters.js';
import type { SeededRandom } from '../wikitext/random.js';
import { gaussian } from './random.js';

/** The corruptions this package can generate. */
export const GENERATED_CORRUPTIONS = ['gaussian_noise', 'impulse_noise', 'defocus_blur', 'gaussian_blur'] as const;

/** One of {@link GENERATED_CORRUPTIONS}. */
export type GeneratedCorruption = (typeof GENERATED_CORRUPTIONS)[number];

/** The severity parameters of each generated corruption (index = severity − 1); see the module table. */
export const CORRUPTION_PARAMETERS = {
  /** Noise standard deviation on [0, 1] pixels. */
  gaussian_noise: [0.08, 0.12, 0.18, 0.26, 0.38],
  /** Fraction of values replaced by 0 or 1. */
  impulse_noise: [0.03, 0.06, 0.09, 0.17, 0.27],
  /** (disk radius, Gaussian anti-alias sigma) in pixels. */
  defocus_blur: [
    [3, 0.1],
    [4, 0.5],
    [6, 0.5],
    [8, 0.5],
    [10, 0.5],
  ],
  /** Gaussian sigma in pixels. */
  gaussian_blur: [1, 2, 3, 4, 6],
} as const;

/** A square filter kernel. */
export interface SquareKernel {
  /** kernel: [size, size] row-major. */
  kernel: Float64Array;
  /** Side length (odd). */
  size: number;
}

/** The defocus kernel: an aliased disk, normalised, smoothed by cv2.GaussianBlur(ksize, aliasBlur). */
export function defocusKernel(radius: number, aliasBlur: number): SquareKernel {
  const half = Math.max(8, radius);
  const size = 2 * half + 1;
  const disk = new Float64Array(size * size);
  for (let y = -half; y <= half; y++)
    for (let x = -half; x <= half; x++) disk[(y + half) * size + x + half] = x * x + y * y <= radius * radius ? 1 : 0;
  const total = disk.reduce((a, v) => a + v, 0);
  const smoothing = gaussianKernel(aliasBlur, radius <= 8 ? 1 : 2);
  const planes: Planes = { data: disk.map((v) => v / total), width: size, height: size, channels: 1 };
  return { kernel: separableFilter(planes, smoothing, 'reflect101').data, size };
}

function toPlanes(rgb: Uint8Array, width: number, height: number): Planes {
  if (rgb.length !== width * height * 3)
    throw new DatasetError(`corruption input: ${rgb.length} bytes is not ${width}×${height}×3`);
  return { data: Float64Array.from(rgb, (v) => v / 255), width, height, channels: 3 };
}

function toBytes(values: Float64Array): Uint8Array {
  return Uint8Array.from(values, (v) => Math.floor(Math.min(1, Math.max(0, v)) * 255));
}

/**
 * Applies `corruption` at `severity` (1..5) to RGB bytes (HWC), drawing noise from `rng`.
 * @example
 * ```ts
 * const noisy = corruptImage(rgb, 224, 224, 'gaussian_noise', 3, streamFor(1));
 * ```
 */
export function corruptImage(
  rgb: Uint8Array,
  width: number,
  height: number,
  corruption: GeneratedCorruption,
  severity: number,
  rng: SeededRandom,
): Uint8Array {
  if (!(Number.isInteger(severity) && severity >= 1 && severity <= 5))
    throw new DatasetError(`severity must be 1..5, got ${severity}`);
  const image = toPlanes(rgb, width, height);
  const s = severity - 1;
  switch (corruption) {
    case 'gaussian_noise': {
      const std = CORRUPTION_PARAMETERS.gaussian_noise[s]!;
      return toBytes(image.data.map((v) => v + gaussian(rng, std)));
    }
    case 'impulse_noise': {
      const amount = CORRUPTION_PARAMETERS.impulse_noise[s]!;
      return toBytes(image.data.map((v) => (rng.uniform() < amount ? (rng.uniform() < 0.5 ? 1 : 0) : v)));
    }
    case 'defocus_blur': {
      const [radius, aliasBlur] = CORRUPTION_PARAMETERS.defocus_blur[s]!;
      const { kernel, size } = defocusKernel(radius, aliasBlur);
      return toBytes(filter2d(image, kernel, size, 'reflect101').data);
    }
    case 'gaussian_blur': {
      const sigma = CORRUPTION_PARAMETERS.gaussian_blur[s]!;
      return toBytes(separableFilter(image, gaussianKernel(sigma, Math.floor(4 * sigma + 0.5)), 'nearest').data);
    }
    default:
      throw new DatasetError(
        `unknown corruption "${String(corruption)}"; generated ones: ${GENERATED_CORRUPTIONS.join(', ')}`,
      );
  }
}
