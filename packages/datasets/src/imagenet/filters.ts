/**
 * Linear filters on interleaved images (HWC, any channel count), in float64: the building blocks of the
 * blur corruptions, with the two borders their references use (scipy's 'nearest', OpenCV's reflect-101).
 * @module
 */

/** How a filter reads outside the image: clamp to the edge, or mirror without repeating the edge (OpenCV's default). */
export type Border = 'nearest' | 'reflect101';

/** The in-range index that `border` reads for index `i` of an axis of length `n`. */
export function borderIndex(i: number, n: number, border: Border): number {
  if (border === 'nearest' || n === 1) return Math.min(n - 1, Math.max(0, i));
  const period = 2 * n - 2;
  const m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

/** A normalised 1-D Gaussian of standard deviation `sigma` on offsets −radius..radius. */
export function gaussianKernel(sigma: number, radius: number): Float64Array {
  const kernel = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) sum += kernel[i + radius] = Math.exp((-0.5 * i * i) / (sigma * sigma));
  return kernel.map((v) => v / sum);
}

/** A planar image: `data` is [height, width, channels] row-major. */
export interface Planes {
  /** data: [height, width, channels]. */
  data: Float64Array;
  /** Columns. */
  width: number;
  /** Rows. */
  height: number;
  /** Values per pixel. */
  channels: number;
}

/** Correlates every channel with `kernel` (odd length) along x, then along y. */
export function separableFilter(image: Planes, kernel: Float64Array, border: Border): Planes {
  const { width, height, channels } = image;
  const r = (kernel.length - 1) / 2;
  const pass = (src: Float64Array, alongX: boolean): Float64Array => {
    const out = new Float64Array(src.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < channels; c++) {
          let acc = 0;
          for (let k = -r; k <= r; k++) {
            const xx = alongX ? borderIndex(x + k, width, border) : x;
            const yy = alongX ? y : borderIndex(y + k, height, border);
            acc += kernel[k + r]! * src[(yy * width + xx) * channels + c]!;
          }
          out[(y * width + x) * channels + c] = acc;
        }
      }
    }
    return out;
  };
  return { ...image, data: pass(pass(image.data, true), false) };
}

/** Correlates every channel with a square `size`×`size` kernel (odd size, row-major), like cv2.filter2D. */
export function filter2d(image: Planes, kernel: Float64Array, size: number, border: Border): Planes {
  const { width, height, channels, data } = image;
  const r = (size - 1) / 2;
  const pw = width + 2 * r;
  const padded = new Float64Array((height + 2 * r) * pw); // one channel, padded by r on every side
  const out = new Float64Array(data.length);
  for (let c = 0; c < channels; c++) {
    for (let y = -r; y < height + r; y++) {
      const sy = borderIndex(y, height, border);
      for (let x = -r; x < width + r; x++)
        padded[(y + r) * pw + x + r] = data[(sy * width + borderIndex(x, width, border)) * channels + c]!;
    }
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let acc = 0;
        for (let ky = 0; ky < size; ky++) {
          const row = (y + ky) * pw + x;
          const krow = ky * size;
          for (let kx = 0; kx < size; kx++) acc += kernel[krow + kx]! * padded[row + kx]!;
        }
        out[(y * width + x) * channels + c] = acc;
      }
    }
  }
  return { ...image, data: out };
}
