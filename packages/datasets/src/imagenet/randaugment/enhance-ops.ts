/**
 * RandAugment's PIL-style enhancements (Color, Contrast, Brightness, Sharpness): a blend of the image with a
 * degenerate version of itself, as `autoaugment.py` of the TensorFlow TPU models computes them on uint8 images.
 * @module
 */
import { clipToByte, f32, withData, type RgbImage } from './rgb-image.js';

/**
 * `degenerate + factor·(image − degenerate)` in float32, then: a factor in (0, 1) truncates, any other clips to
 * [0, 255] first; factor 0 returns `degenerate`, 1 returns `image`.
 */
export function blend(degenerate: Uint8Array, image: Uint8Array, factor: number): Uint8Array {
  if (factor === 0) return degenerate.slice();
  if (factor === 1) return image.slice();
  const f = f32(factor);
  const out = new Uint8Array(image.length);
  for (let i = 0; i < image.length; i++) {
    const v = f32(degenerate[i]! + f32(f * (image[i]! - degenerate[i]!)));
    out[i] = factor > 0 && factor < 1 ? Math.trunc(v) : clipToByte(v);
  }
  return out;
}

/** `tf.image.rgb_to_grayscale` on a uint8 pixel: float32 luma of v/255, then ×255.5 and truncated. */
export function grayByte(r: number, g: number, b: number): number {
  const k = f32(1 / 255);
  const luma = f32(f32(f32(f32(r * k) * f32(0.2989)) + f32(f32(g * k) * f32(0.587))) + f32(f32(b * k) * f32(0.114)));
  return Math.trunc(f32(luma * f32(255.5)));
}

/** Blends towards the grayscale image (saturation). */
export function color(image: RgbImage, factor: number): RgbImage {
  const { data } = image;
  const gray = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i += 3) gray.fill(grayByte(data[i]!, data[i + 1]!, data[i + 2]!), i, i + 3);
  return withData(image, blend(gray, data, factor));
}

/**
 * Blends towards a flat gray. The TensorFlow code means the mean luma but divides the histogram's total (the pixel
 * count) by 256, so the gray level is `min(255, ⌊width·height / 256⌋)`, whatever the image; we keep that.
 */
export function contrast(image: RgbImage, factor: number): RgbImage {
  const level = clipToByte(f32(f32(image.width * image.height) / 256));
  return withData(image, blend(new Uint8Array(image.data.length).fill(level), image.data, factor));
}

/** Blends towards black. */
export function brightness(image: RgbImage, factor: number): RgbImage {
  return withData(image, blend(new Uint8Array(image.data.length), image.data, factor));
}

/**
 * Blends towards PIL's SMOOTH filter (3×3 kernel [1 1 1; 1 5 1; 1 1 1]/13 with float32 weights, truncated to bytes) on
 * interior pixels; the one-pixel border keeps its original values.
 */
export function sharpness(image: RgbImage, factor: number): RgbImage {
  const { data, width, height } = image;
  const smooth = data.slice();
  const side = f32(1 / 13);
  const centre = f32(5 / 13);
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      for (let c = 0; c < 3; c++) {
        const i = (y * width + x) * 3 + c;
        const [up, down] = [i - 3 * width, i + 3 * width];
        const ring =
          data[up - 3]! +
          data[up]! +
          data[up + 3]! +
          data[i - 3]! +
          data[i + 3]! +
          data[down - 3]! +
          data[down]! +
          data[down + 3]!;
        // float32 weights times bytes, summed exactly in float64, then rounded once to float32
        const acc = f32(side * ring + centre * data[i]!);
        smooth[(y * width + x) * 3 + c] = clipToByte(acc);
      }
    }
  }
  return withData(image, blend(smooth, data, factor));
}
