/**
 * Corruptions of MNIST digits in memory, for the robustness evaluation of the MNIST presets: the ImageNet-C
 * noise corruptions with their severity parameters, and a Gaussian blur with sigmas chosen for 28×28 digits.
 *
 * | corruption     | severities 1..5                     | op on [0, 1] pixels, then clipped to [0, 1]        |
 * |----------------|-------------------------------------|----------------------------------------------------|
 * | gaussian_noise | std 0.08, 0.12, 0.18, 0.26, 0.38    | x + N(0, std²) per pixel                           |
 * | impulse_noise  | amount 0.03, 0.06, 0.09, 0.17, 0.27 | each pixel replaced w.p. amount by 0 or 1 equally  |
 * | gaussian_blur  | sigma 0.5, 0.75, 1, 1.5, 2 pixels   | separable Gaussian, radius ⌊4σ + ½⌋, edges clamped |
 *
 * The noise parameters are ImageNet-C's; the blur clamps edges as skimage's does. ImageNet-C's blur sigmas
 * (1..6 px) are for 224-pixel images; on 28-pixel digits they erase the digit from severity 2, so the blur sigmas
 * here are our own choice. Unlike ImageNet-C no uint8 rounding is applied.
 * @module
 */
import { Rng } from '@momentum-smoe/core';
import { CORRUPTION_PARAMETERS, gaussianKernel, separableFilter } from '@momentum-smoe/datasets';

/** The corruptions {@link corruptDigits} applies. */
export const MNIST_CORRUPTIONS = ['gaussian_noise', 'impulse_noise', 'gaussian_blur'] as const;

/** One of {@link MNIST_CORRUPTIONS}. */
export type MnistCorruption = (typeof MNIST_CORRUPTIONS)[number];

/** Severity parameters (index = severity − 1); see the module table. */
export const MNIST_CORRUPTION_PARAMETERS: Readonly<Record<MnistCorruption, readonly number[]>> = {
  gaussian_noise: CORRUPTION_PARAMETERS.gaussian_noise,
  impulse_noise: CORRUPTION_PARAMETERS.impulse_noise,
  gaussian_blur: [0.5, 0.75, 1, 1.5, 2],
};

const clip01 = (v: number) => Math.min(1, Math.max(0, v));

/**
 * Applies `corruption` at `severity` (1..5) to `images: [N, side, side]` (values in [0, 1]) and returns a new array of
 * the same shape. Noise is drawn from `new Rng(seed)`, so equal seeds give equal images.
 * @example
 * ```ts
 * const noisy = corruptDigits(test.images, 28, 'gaussian_noise', 3, 0); // [N, 28, 28]
 * ```
 */
export function corruptDigits(
  images: Float32Array,
  side: number,
  corruption: MnistCorruption,
  severity: number,
  seed: number,
): Float32Array {
  if (!(Number.isInteger(severity) && severity >= 1 && severity <= 5))
    throw new RangeError(`corruptDigits: severity must be 1..5, got ${severity}`);
  const pixels = side * side;
  if (images.length % pixels !== 0)
    throw new RangeError(`corruptDigits: ${images.length} values are not [N, ${side}, ${side}]`);
  const param = MNIST_CORRUPTION_PARAMETERS[corruption]?.[severity - 1];
  if (param === undefined)
    throw new RangeError(
      `corruptDigits: unknown corruption '${String(corruption)}' (known: ${MNIST_CORRUPTIONS.join(', ')})`,
    );
  const rng = new Rng(seed);
  switch (corruption) {
    case 'gaussian_noise':
      return images.map((v) => clip01(v + rng.normal(0, param)));
    case 'impulse_noise':
      return images.map((v) => (rng.uniform() < param ? (rng.uniform() < 0.5 ? 1 : 0) : v));
    case 'gaussian_blur': {
      const kernel = gaussianKernel(param, Math.floor(4 * param + 0.5));
      const out = new Float32Array(images.length);
      for (let n = 0; n < images.length / pixels; n++) {
        const data = Float64Array.from(images.subarray(n * pixels, (n + 1) * pixels));
        const blurred = separableFilter({ data, width: side, height: side, channels: 1 }, kernel, 'nearest').data;
        for (let p = 0; p < pixels; p++) out[n * pixels + p] = clip01(blurred[p]!);
      }
      return out;
    }
  }
}
