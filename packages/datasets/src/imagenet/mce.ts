/**
 * ImageNet-C's mean corruption error (Hendrycks & Dietterich 2019), normalised by AlexNet:
 *
 *   E_c     = (1/5) Σ_{s=1..5} err_{c,s}            mean top-1 error of corruption c over severities, in [0, 1]
 *   CE_c    = E_c / E_c^AlexNet                     AlexNet's mean top-1 error on c (table below)
 *   mCE     = 100 · (1/|C|) Σ_c CE_c                 over the corruptions given (all 15 for the paper's number)
 *
 * This equals the paper's `CE = (100 − acc)/(100·CE_AlexNet)` with acc the mean top-1 accuracy in percent,
 * and Hendrycks' Σ_s err / Σ_s err^AlexNet since both sums have five terms.
 * @module
 */
import { DatasetError } from '../errors.js';

/** The 15 ImageNet-C corruptions, by their folder names. */
export const IMAGENET_C_CORRUPTIONS = [
  'gaussian_noise',
  'shot_noise',
  'impulse_noise',
  'defocus_blur',
  'glass_blur',
  'motion_blur',
  'zoom_blur',
  'snow',
  'frost',
  'fog',
  'brightness',
  'contrast',
  'elastic_transform',
  'pixelate',
  'jpeg_compression',
] as const;

/** One of {@link IMAGENET_C_CORRUPTIONS}. */
export type ImageNetCCorruption = (typeof IMAGENET_C_CORRUPTIONS)[number];

/** AlexNet's top-1 error on each corruption, averaged over the five severities (the mCE reference). */
export const ALEXNET_TOP1_ERRORS: Readonly<Record<ImageNetCCorruption, number>> = {
  gaussian_noise: 0.886428,
  shot_noise: 0.894468,
  impulse_noise: 0.92264,
  defocus_blur: 0.81988,
  glass_blur: 0.826268,
  motion_blur: 0.785948,
  zoom_blur: 0.79836,
  snow: 0.866816,
  frost: 0.826572,
  fog: 0.819324,
  brightness: 0.564592,
  contrast: 0.853204,
  elastic_transform: 0.646056,
  pixelate: 0.71784,
  jpeg_compression: 0.6065,
};

/** mCE and the per-corruption CEs it averages. */
export interface CorruptionErrorReport {
  /** 100 × the mean of `ce` over the corruptions given. */
  mCE: number;
  /** CE_c = mean top-1 error over severities / AlexNet's, per corruption. */
  ce: Record<string, number>;
}

/**
 * mCE from top-1 errors (fractions in [0, 1], i.e. 1 − accuracy) per corruption, five per corruption in
 * severity order 1..5.
 * @param reference AlexNet's errors by default; pass another table to normalise by another model.
 * @throws DatasetError for a corruption with no reference, a count other than five, or an error outside [0, 1].
 * @example
 * ```ts
 * meanCorruptionError({ gaussian_noise: [0.3, 0.4, 0.5, 0.6, 0.7] }).mCE; // 100·0.5/0.886428 ≈ 56.41
 * ```
 */
export function meanCorruptionError(
  errors: Readonly<Record<string, readonly number[]>>,
  reference: Readonly<Record<string, number>> = ALEXNET_TOP1_ERRORS,
): CorruptionErrorReport {
  const ce: Record<string, number> = {};
  for (const [corruption, perSeverity] of Object.entries(errors)) {
    const ref = reference[corruption];
    if (ref === undefined) {
      throw new DatasetError(
        `no reference error for corruption "${corruption}"; known: ${Object.keys(reference).join(', ')}`,
      );
    }
    if (perSeverity.length !== 5) {
      throw new DatasetError(
        `corruption "${corruption}": need top-1 errors for all 5 severities (the reference averages 5), ` +
          `got ${perSeverity.length}`,
      );
    }
    if (perSeverity.some((e) => !(e >= 0 && e <= 1))) {
      throw new DatasetError(
        `corruption "${corruption}": errors must be fractions in [0, 1] (1 − accuracy), ` +
          `got [${perSeverity.join(', ')}]`,
      );
    }
    ce[corruption] = perSeverity.reduce((a, e) => a + e, 0) / 5 / ref;
  }
  const values = Object.values(ce);
  if (values.length === 0) throw new DatasetError('meanCorruptionError: no corruptions given');
  return { mCE: (100 * values.reduce((a, v) => a + v, 0)) / values.length, ce };
}
