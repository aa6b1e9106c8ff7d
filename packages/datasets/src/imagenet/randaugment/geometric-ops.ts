/**
 * RandAugment's geometric operations (Rotate, ShearX/Y, TranslateX/Y, Cutout), as `autoaugment.py` of the
 * TensorFlow TPU models runs them through `tf.contrib.image`: an inverse projective map with nearest-neighbour
 * sampling (`std::round`, halves away from zero), and pixels mapped from outside the image filled with `fill`.
 * @module
 */
import { withData, type RgbImage } from './rgb-image.js';

/** Grey of the empty pixels left by the geometric operations and Cutout (the TPU code's `replace_value`). */
export const FILL_GREY = 128;

/**
 * Output pixel (x, y) reads input pixel `(round(a0·x + a1·y + a2), round(b0·x + b1·y + b2))`, or `fill` outside.
 * `transform` is tfa/contrib's `[a0, a1, a2, b0, b1, b2]` (the projective terms are 0 here).
 */
export function affineNearest(image: RgbImage, transform: readonly number[], fill = FILL_GREY): RgbImage {
  const { data, width, height } = image;
  const [a0, a1, a2, b0, b1, b2] = transform as [number, number, number, number, number, number];
  const out = new Uint8Array(data.length).fill(fill);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sx = roundHalfAway(a0 * x + a1 * y + a2);
      const sy = roundHalfAway(b0 * x + b1 * y + b2);
      if (sx < 0 || sx >= width || sy < 0 || sy >= height) continue;
      const from = (sy * width + sx) * 3;
      const to = (y * width + x) * 3;
      out[to] = data[from]!;
      out[to + 1] = data[from + 1]!;
      out[to + 2] = data[from + 2]!;
    }
  }
  return withData(image, out);
}

/** C's `round`: halves away from zero. */
function roundHalfAway(v: number): number {
  return v < 0 ? -Math.round(-v) : Math.round(v);
}

/** Rotation by `degrees` about the image centre (`tf.contrib.image.rotate`'s transform). */
export function rotate(image: RgbImage, degrees: number): RgbImage {
  const t = (degrees * Math.PI) / 180;
  const [cos, sin] = [Math.cos(t), Math.sin(t)];
  const w = image.width - 1;
  const h = image.height - 1;
  const xOffset = (w - (cos * w - sin * h)) / 2;
  const yOffset = (h - (sin * w + cos * h)) / 2;
  return affineNearest(image, [cos, -sin, xOffset, sin, cos, yOffset]);
}

/** Output (x, y) reads (x + level·y, y). */
export function shearX(image: RgbImage, level: number): RgbImage {
  return affineNearest(image, [1, level, 0, 0, 1, 0]);
}

/** Output (x, y) reads (x, level·x + y). */
export function shearY(image: RgbImage, level: number): RgbImage {
  return affineNearest(image, [1, 0, 0, level, 1, 0]);
}

/** Output (x, y) reads (x + pixels, y): the content moves left by `pixels`. */
export function translateX(image: RgbImage, pixels: number): RgbImage {
  return affineNearest(image, [1, 0, pixels, 0, 1, 0]);
}

/** Output (x, y) reads (x, y + pixels). */
export function translateY(image: RgbImage, pixels: number): RgbImage {
  return affineNearest(image, [1, 0, 0, 0, 1, pixels]);
}

/**
 * Greys out rows `[max(0, cy − pad), min(height, cy + pad))` × the same columns around `cx` (a 2·pad square,
 * clipped at the borders).
 */
export function cutout(image: RgbImage, pad: number, cy: number, cx: number, fill = FILL_GREY): RgbImage {
  const { width, height } = image;
  const out = image.data.slice();
  const [x0, x1] = [Math.max(0, cx - pad), Math.min(width, cx + pad)];
  for (let y = Math.max(0, cy - pad); y < Math.min(height, cy + pad); y++) {
    out.fill(fill, (y * width + x0) * 3, (y * width + x1) * 3);
  }
  return withData(image, out);
}
