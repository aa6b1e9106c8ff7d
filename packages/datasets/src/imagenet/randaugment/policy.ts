/**
 * RandAugment (Cubuk et al. 2019) as V-MoE runs it: `vmoe/data/pp_ops.py`'s `randaug(2, 10)` calls
 * `distort_image_with_randaugment` of the TensorFlow TPU models (`models/official/efficientnet/autoaugment.py`).
 * Each of `layers` rounds picks one of 16 operations uniformly and always applies it at the shared magnitude,
 * with that file's magnitude mapping (`_MAX_LEVEL` 10, `translate_const` 100, `cutout_const` 40, fill grey 128).
 * @module
 */
import type { SeededRandom } from '../../wikitext/random.js';
import { brightness, color, contrast, sharpness } from './enhance-ops.js';
import { cutout, rotate, shearX, shearY, translateX, translateY } from './geometric-ops.js';
import { autoContrast, equalize, invert, posterize, solarize, solarizeAdd } from './pixel-ops.js';
import type { RgbImage } from './rgb-image.js';

/** The operations, in the TPU code's order (an index into this list is what a round draws). */
export const RANDAUGMENT_OPS = [
  'AutoContrast',
  'Equalize',
  'Invert',
  'Rotate',
  'Posterize',
  'Solarize',
  'Color',
  'Contrast',
  'Brightness',
  'Sharpness',
  'ShearX',
  'ShearY',
  'TranslateX',
  'TranslateY',
  'Cutout',
  'SolarizeAdd',
] as const;

/** An operation's name. */
export type RandAugmentOp = (typeof RANDAUGMENT_OPS)[number];

/** The TPU code's `_MAX_LEVEL`: magnitudes are fractions of it. */
export const RANDAUGMENT_MAX_LEVEL = 10;

/** RandAugment's two settings. */
export interface RandAugmentOptions {
  /** Operations applied in sequence, N (V-MoE light1: 2). */
  layers: number;
  /** Shared magnitude M, usually 0..30 (V-MoE light1: 10). */
  magnitude: number;
}

/** With probability 1/2 negate `v` (the TPU code's `_randomly_negate_tensor`). */
function randomSign(rng: SeededRandom, v: number): number {
  return rng.uniform() < 0.5 ? -v : v;
}

/**
 * Applies operation `op` at `magnitude`, drawing its random sign or position from `rng`. The magnitude mapping:
 * Rotate ±30°·m, Shear ±0.3·m, Translate ±100·m px, Cutout a 2·⌊40·m⌋ square,
 * Color/Contrast/Brightness/Sharpness factor 1.8·m + 0.1, Posterize ⌊4·m⌋ bits, Solarize threshold ⌊256·m⌋,
 * SolarizeAdd +⌊110·m⌋ below 128, where m = magnitude / 10.
 */
export function applyRandAugmentOp(image: RgbImage, op: RandAugmentOp, magnitude: number, rng: SeededRandom): RgbImage {
  const m = magnitude / RANDAUGMENT_MAX_LEVEL;
  const enhance = m * 1.8 + 0.1;
  switch (op) {
    case 'AutoContrast':
      return autoContrast(image);
    case 'Equalize':
      return equalize(image);
    case 'Invert':
      return invert(image);
    case 'Rotate':
      return rotate(image, randomSign(rng, m * 30));
    case 'Posterize':
      return posterize(image, Math.trunc(m * 4));
    case 'Solarize':
      return solarize(image, Math.trunc(m * 256));
    case 'Color':
      return color(image, enhance);
    case 'Contrast':
      return contrast(image, enhance);
    case 'Brightness':
      return brightness(image, enhance);
    case 'Sharpness':
      return sharpness(image, enhance);
    case 'ShearX':
      return shearX(image, randomSign(rng, m * 0.3));
    case 'ShearY':
      return shearY(image, randomSign(rng, m * 0.3));
    case 'TranslateX':
      return translateX(image, randomSign(rng, m * 100));
    case 'TranslateY':
      return translateY(image, randomSign(rng, m * 100));
    case 'Cutout':
      return cutout(image, Math.trunc(m * 40), rng.int(image.height), rng.int(image.width));
    case 'SolarizeAdd':
      return solarizeAdd(image, Math.trunc(m * 110));
  }
}

/**
 * RandAugment: `layers` times, draw an operation uniformly from {@link RANDAUGMENT_OPS} and apply it at
 * `magnitude`. Seeded by `rng` (draw it per image, e.g. `streamFor(seed, epoch, image)`).
 * @example
 * ```ts
 * const image = { data: rgb, width: 224, height: 224 };
 * const out = randAugment(image, streamFor(seed, epoch, i), { layers: 2, magnitude: 10 });
 * ```
 */
export function randAugment(image: RgbImage, rng: SeededRandom, options: RandAugmentOptions): RgbImage {
  let out = image;
  for (let layer = 0; layer < options.layers; layer++) {
    const op = RANDAUGMENT_OPS[rng.int(RANDAUGMENT_OPS.length)]!;
    out = applyRandAugmentOp(out, op, options.magnitude, rng);
  }
  return out;
}
