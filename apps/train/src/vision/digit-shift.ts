/**
 * The MNIST recipe's one augmentation: each training digit moved by a whole number of pixels, as the classic MNIST
 * augmentations do. Seeded per (run seed, epoch, image), so a resumed run sees the same shifts as an uninterrupted one.
 * @module
 */
import { Rng } from '@momentum-smoe/core';

/**
 * Copies the `side × side` image `src` into `dst` moved by `dx` pixels right and `dy` pixels down; pixels that
 * come from outside the image get `fill` (the background).
 * @param src `[side, side]` row-major
 * @param dst `[side, side]` row-major, overwritten
 * @example
 * ```ts
 * shiftImage(digit, out, 28, 1, -1, -1); // one pixel right and one up, black (−1) background
 * ```
 */
export function shiftImage(
  src: Float32Array,
  dst: Float32Array,
  side: number,
  dx: number,
  dy: number,
  fill: number,
): void {
  dst.fill(fill, 0, side * side);
  for (let y = Math.max(0, dy); y < Math.min(side, side + dy); y++) {
    const from = (y - dy) * side;
    for (let x = Math.max(0, dx); x < Math.min(side, side + dx); x++) dst[y * side + x] = src[from + x - dx]!;
  }
}

/**
 * The shift `[dx, dy]` of image `image` in epoch `epoch` of a run seeded `seed`: each uniform in
 * `[−maxShift, maxShift]`, independent of every other image's.
 */
export function digitShift(seed: number, epoch: number, image: number, maxShift: number): [number, number] {
  const key = Math.imul(seed >>> 0, 0x27d4eb2d) ^ Math.imul(epoch + 1, 0x165667b1) ^ Math.imul(image + 1, 0x9e3779b1);
  const rng = new Rng(key >>> 0);
  const n = 2 * maxShift + 1;
  return [rng.int(n) - maxShift, rng.int(n) - maxShift];
}
