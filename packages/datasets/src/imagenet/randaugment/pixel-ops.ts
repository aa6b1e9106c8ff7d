/**
 * RandAugment's per-pixel and histogram operations (Invert, Posterize, Solarize, SolarizeAdd, AutoContrast,
 * Equalize), as `autoaugment.py` of the TensorFlow TPU models computes them on uint8 images.
 * @module
 */
import { f32, withData, type RgbImage } from './rgb-image.js';

/** Maps every byte through `f`, tabulated once (a 256-entry lookup is far cheaper than a call per byte). */
function mapBytes(image: RgbImage, f: (v: number) => number): RgbImage {
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) lut[v] = f(v);
  const { data } = image;
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = lut[data[i]!]!;
  return withData(image, out);
}

/** `255 − v` on every byte. */
export function invert(image: RgbImage): RgbImage {
  return mapBytes(image, (v) => 255 - v);
}

/** Keeps the top `bits` bits of every byte (`(v >> (8 − bits)) << (8 − bits)`). */
export function posterize(image: RgbImage, bits: number): RgbImage {
  const shift = 8 - bits;
  return mapBytes(image, (v) => ((v >> shift) << shift) & 255);
}

/**
 * Bytes at or above `threshold` become `255 − v`. The threshold is compared as a uint8, as TensorFlow converts it
 * to the image's dtype: magnitude 10 asks for 256, which wraps to 0 and inverts the whole image.
 */
export function solarize(image: RgbImage, threshold: number): RgbImage {
  const t = threshold & 255;
  return mapBytes(image, (v) => (v < t ? v : 255 - v));
}

/** Bytes below `threshold` get `addition` added (clipped to [0, 255]); the others stay. */
export function solarizeAdd(image: RgbImage, addition: number, threshold = 128): RgbImage {
  return mapBytes(image, (v) => (v < threshold ? Math.min(255, Math.max(0, v + addition)) : v));
}

/** Stretches each channel linearly so that its minimum maps to 0 and its maximum to 255 (flat channels stay). */
export function autoContrast(image: RgbImage): RgbImage {
  const { data } = image;
  const out = new Uint8Array(data.length);
  for (let c = 0; c < 3; c++) {
    let lo = 255;
    let hi = 0;
    for (let i = c; i < data.length; i += 3) {
      lo = Math.min(lo, data[i]!);
      hi = Math.max(hi, data[i]!);
    }
    const scale = f32(255 / (hi - lo));
    const offset = f32(-lo * scale);
    for (let i = c; i < data.length; i += 3) {
      const v = f32(f32(data[i]! * scale) + offset);
      out[i] = hi > lo ? (v <= 0 ? 0 : v >= 255 ? 255 : Math.trunc(v)) : data[i]!;
    }
  }
  return withData(image, out);
}

/**
 * Histogram equalisation per channel, PIL's lookup table: `step = (pixels − count of the last used value) // 255`,
 * `lut[v] = (cumulative count below v + step // 2) // step`; a channel with `step` 0 stays.
 */
export function equalize(image: RgbImage): RgbImage {
  const { data } = image;
  const out = new Uint8Array(data.length);
  for (let c = 0; c < 3; c++) {
    const histogram = new Int32Array(256);
    for (let i = c; i < data.length; i += 3) histogram[data[i]!]!++;
    let last = 0;
    for (let v = 0; v < 256; v++) if (histogram[v]! > 0) last = histogram[v]!;
    const step = Math.floor((data.length / 3 - last) / 255);
    const lut = new Uint8Array(256);
    let below = 0;
    for (let v = 0; v < 256; v++) {
      lut[v] = step === 0 ? v : Math.min(255, Math.floor((below + Math.floor(step / 2)) / step));
      below += histogram[v]!;
    }
    for (let i = c; i < data.length; i += 3) out[i] = lut[data[i]!]!;
  }
  return withData(image, out);
}
