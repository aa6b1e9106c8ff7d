// Each RandAugment operation against a naive per-pixel computation written from the TensorFlow TPU models'
// `autoaugment.py` semantics (uint8 images, clip-then-truncate casts, nearest sampling with grey 128 fill).
import { describe, expect, it } from 'vitest';
import {
  applyRandAugmentOp,
  autoContrast,
  brightness,
  color,
  contrast,
  cutout,
  equalize,
  invert,
  posterize,
  randAugment,
  RANDAUGMENT_OPS,
  rotate,
  SeededRandom,
  sharpness,
  shearX,
  shearY,
  solarize,
  solarizeAdd,
  translateX,
  translateY,
  type RgbImage,
} from '@momentum-smoe/datasets';
import { texture } from './imagenet-fixtures.js';

const W = 9;
const H = 7;
/** A 9×7 texture, with a few saturated bytes so that clipping paths run. */
function sample(seed = 3): RgbImage {
  const data = texture(W, H, seed);
  data[0] = 0;
  data[5] = 255;
  return { data, width: W, height: H };
}

/** Pixel (x, y) channel c. */
const at = (im: RgbImage, x: number, y: number, c: number) => im.data[(y * im.width + x) * 3 + c]!;

/** Builds an image from a per-pixel function. */
function perPixel(im: RgbImage, f: (x: number, y: number, c: number) => number): Uint8Array {
  const out = new Uint8Array(im.data.length);
  for (let y = 0; y < im.height; y++)
    for (let x = 0; x < im.width; x++) for (let c = 0; c < 3; c++) out[(y * im.width + x) * 3 + c] = f(x, y, c);
  return out;
}

const byte = (v: number) => Math.min(255, Math.max(0, Math.floor(v)));

describe('RandAugment pixel operations', () => {
  const im = sample();

  it('Invert, Posterize (4 bits = multiples of 16), Solarize and SolarizeAdd', () => {
    expect([...invert(im).data]).toEqual([...perPixel(im, (x, y, c) => 255 - at(im, x, y, c))]);
    expect([...posterize(im, 4).data]).toEqual([...perPixel(im, (x, y, c) => 16 * Math.floor(at(im, x, y, c) / 16))]);
    expect([...solarize(im, 100).data]).toEqual([
      ...perPixel(im, (x, y, c) => (at(im, x, y, c) >= 100 ? 255 - at(im, x, y, c) : at(im, x, y, c))),
    ]);
    // Magnitude 10's threshold 256 is 0 as a uint8: everything is at or above it.
    expect([...solarize(im, 256).data]).toEqual([...invert(im).data]);
    expect([...solarizeAdd(im, 110).data]).toEqual([
      ...perPixel(im, (x, y, c) => (at(im, x, y, c) < 128 ? Math.min(255, at(im, x, y, c) + 110) : at(im, x, y, c))),
    ]);
  });

  it('AutoContrast stretches each channel to [0, 255] and leaves a flat channel alone', () => {
    const flat = { ...im, data: perPixel(im, (x, y, c) => (c === 2 ? 77 : 20 + ((x * 7 + y * 3 + c) % 50))) };
    const range = (c: number) => {
      const v = perPixel(flat, (x, y) => at(flat, x, y, c)).filter((_, i) => i % 3 === 0);
      return [Math.min(...v), Math.max(...v)] as const;
    };
    const expected = perPixel(flat, (x, y, c) => {
      const [lo, hi] = range(c);
      return hi > lo ? byte(((at(flat, x, y, c) - lo) * 255) / (hi - lo) + 1e-4) : at(flat, x, y, c);
    });
    expect([...autoContrast(flat).data]).toEqual([...expected]);
  });

  it('Equalize maps v to ⌊(pixels below v + step/2) / step⌋ with step = ⌊(N − count of the top value)/255⌋', () => {
    // A larger, low-contrast image so that step > 0.
    const big: RgbImage = { data: texture(40, 30, 5).map((v) => 100 + (v % 40)), width: 40, height: 30 };
    const n = 40 * 30;
    const expected = perPixel(big, (x, y, c) => {
      const values: number[] = [];
      for (let yy = 0; yy < 30; yy++) for (let xx = 0; xx < 40; xx++) values.push(at(big, xx, yy, c));
      const top = Math.max(...values);
      const step = Math.floor((n - values.filter((v) => v === top).length) / 255);
      if (step === 0) return at(big, x, y, c);
      const below = values.filter((v) => v < at(big, x, y, c)).length;
      return Math.min(255, Math.floor((below + Math.floor(step / 2)) / step));
    });
    expect([...equalize(big).data]).toEqual([...expected]);
    // 9×7 has step 0 in every channel: unchanged.
    expect([...equalize(im).data]).toEqual([...im.data]);
  });
});

describe('RandAugment enhancements (blend with a degenerate image, factor 1.9 at magnitude 10)', () => {
  const im = sample(11);
  const f = 1.9;
  const extrapolate = (d: number, v: number) => byte(d + f * (v - d));

  it('Brightness blends towards black, Contrast towards the grey ⌊W·H/256⌋, Color towards the luma', () => {
    expect([...brightness(im, f).data]).toEqual([...perPixel(im, (x, y, c) => extrapolate(0, at(im, x, y, c)))]);
    const grey = Math.floor((W * H) / 256);
    expect([...contrast(im, f).data]).toEqual([...perPixel(im, (x, y, c) => extrapolate(grey, at(im, x, y, c)))]);
    const luma = (x: number, y: number) =>
      Math.floor(((0.2989 * at(im, x, y, 0) + 0.587 * at(im, x, y, 1) + 0.114 * at(im, x, y, 2)) / 255) * 255.5);
    expect([...color(im, f).data]).toEqual([...perPixel(im, (x, y, c) => extrapolate(luma(x, y), at(im, x, y, c)))]);
    // A factor inside (0, 1) interpolates and truncates.
    expect([...brightness(im, 0.5).data]).toEqual([...perPixel(im, (x, y, c) => Math.floor(0.5 * at(im, x, y, c)))]);
  });

  it('Sharpness blends against the SMOOTH filter on interior pixels (border unchanged)', () => {
    const smooth = (x: number, y: number, c: number) => {
      if (x === 0 || y === 0 || x === W - 1 || y === H - 1) return at(im, x, y, c);
      let sum = 4 * at(im, x, y, c);
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) sum += at(im, x + dx, y + dy, c);
      return byte(sum / 13);
    };
    const expected = perPixel(im, (x, y, c) => extrapolate(smooth(x, y, c), at(im, x, y, c)));
    const got = sharpness(im, f).data;
    // float32 kernel weights may put a smoothed value that is an exact integer one below: allow that
    // (≤ 2 after ×1.9).
    const diffs = [...got].map((v, i) => Math.abs(v - expected[i]!));
    expect(Math.max(...diffs)).toBeLessThanOrEqual(2);
    expect(diffs.filter((d) => d > 0).length).toBeLessThan(diffs.length / 10);
  });
});

describe('RandAugment geometric operations (nearest sampling, grey 128 outside)', () => {
  const im = sample(17);
  const read = (x: number, y: number, c: number) => {
    const [rx, ry] = [Math.sign(x) * Math.round(Math.abs(x)), Math.sign(y) * Math.round(Math.abs(y))];
    return rx < 0 || ry < 0 || rx >= W || ry >= H ? 128 : at(im, rx, ry, c);
  };

  it('TranslateX/Y move the content by the given pixels', () => {
    expect([...translateX(im, 3).data]).toEqual([
      ...perPixel(im, (x, y, c) => (x + 3 < W ? at(im, x + 3, y, c) : 128)),
    ]);
    expect([...translateX(im, -2).data]).toEqual([...perPixel(im, (x, y, c) => (x >= 2 ? at(im, x - 2, y, c) : 128))]);
    expect([...translateY(im, -4).data]).toEqual([...perPixel(im, (x, y, c) => (y >= 4 ? at(im, x, y - 4, c) : 128))]);
    expect([...translateY(im, 100).data].every((v) => v === 128)).toBe(true);
  });

  it('ShearX/Y read (x + s·y, y) and (x, y + s·x)', () => {
    for (const s of [0.3, -0.3]) {
      expect([...shearX(im, s).data]).toEqual([...perPixel(im, (x, y, c) => read(x + s * y, y, c))]);
      expect([...shearY(im, s).data]).toEqual([...perPixel(im, (x, y, c) => read(x, y + s * x, c))]);
    }
  });

  it('Rotate turns about the centre ((W−1)/2, (H−1)/2)', () => {
    for (const deg of [30, -30, 90]) {
      const t = (deg * Math.PI) / 180;
      const [cx, cy] = [(W - 1) / 2, (H - 1) / 2];
      const expected = perPixel(im, (x, y, c) =>
        read(
          cx + Math.cos(t) * (x - cx) - Math.sin(t) * (y - cy),
          cy + Math.sin(t) * (x - cx) + Math.cos(t) * (y - cy),
          c,
        ),
      );
      expect([...rotate(im, deg).data], `rotate ${deg}`).toEqual([...expected]);
    }
  });

  it('Cutout greys a 2·pad square around (cy, cx), clipped at the borders', () => {
    expect([...cutout(im, 2, 1, 7).data]).toEqual([
      ...perPixel(im, (x, y, c) => (y >= 0 && y < 3 && x >= 5 && x < 9 ? 128 : at(im, x, y, c))),
    ]);
  });
});

describe('RandAugment policy', () => {
  const im = sample(23);

  it("applies the TPU code's magnitude mapping", () => {
    const rng = () => new SeededRandom(1);
    const same = (a: RgbImage, b: RgbImage) => expect([...a.data]).toEqual([...b.data]);
    same(applyRandAugmentOp(im, 'Posterize', 10, rng()), posterize(im, 4));
    same(applyRandAugmentOp(im, 'Solarize', 10, rng()), invert(im));
    same(applyRandAugmentOp(im, 'SolarizeAdd', 10, rng()), solarizeAdd(im, 110));
    same(applyRandAugmentOp(im, 'Brightness', 10, rng()), brightness(im, 1.9));
    same(applyRandAugmentOp(im, 'Color', 5, rng()), color(im, 1.0));
    const rotated = applyRandAugmentOp(im, 'Rotate', 10, rng());
    expect([rotate(im, 30), rotate(im, -30)].some((r) => r.data.every((v, i) => v === rotated.data[i]))).toBe(true);
    const moved = applyRandAugmentOp(im, 'TranslateX', 0.3, rng()); // ±3 pixels
    expect([translateX(im, 3), translateX(im, -3)].some((r) => r.data.every((v, i) => v === moved.data[i]))).toBe(true);
    const cut = applyRandAugmentOp(im, 'Cutout', 0.5, rng()); // pad ⌊40·0.05⌋ = 2: at most a 4×4 grey square
    expect(cut.data.filter((v, i) => v !== im.data[i]).length).toBeLessThanOrEqual(4 * 4 * 3);
  });

  it('draws the 16 operations uniformly and is reproducible from its seed', () => {
    expect(RANDAUGMENT_OPS).toHaveLength(16);
    const a = randAugment(im, new SeededRandom(42), { layers: 2, magnitude: 10 });
    const b = randAugment(im, new SeededRandom(42), { layers: 2, magnitude: 10 });
    expect([...a.data]).toEqual([...b.data]);
    const counts = new Array<number>(16).fill(0);
    const rng = new SeededRandom(7);
    for (let i = 0; i < 16_000; i++) counts[rng.int(16)]!++;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(130); // ±4σ of Binomial(16000, 1/16)
  });
});
