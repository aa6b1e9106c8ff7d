/**
 * The image type of the RandAugment operations: interleaved RGB bytes, and the two casts they share with the
 * TensorFlow implementation (float32 arithmetic, then clip and truncate to a byte).
 * @module
 */

/** An RGB image: `data` is [height, width, 3] bytes, row-major (HWC). */
export interface RgbImage {
  /** data: [height, width, 3]. */
  data: Uint8Array;
  /** Columns. */
  width: number;
  /** Rows. */
  height: number;
}

/** A new image of the same size with `data`. */
export function withData(image: RgbImage, data: Uint8Array): RgbImage {
  return { data, width: image.width, height: image.height };
}

/** `tf.cast(tf.clip_by_value(v, 0, 255), tf.uint8)`: clip, then truncate toward zero. */
export function clipToByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.trunc(v);
}

/** Float32 rounding, so that the arithmetic matches TensorFlow's float32 ops bit for bit where it matters. */
export const f32 = Math.fround;
