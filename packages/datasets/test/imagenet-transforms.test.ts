import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  centerCropGeometry,
  decodeEval,
  decodeTrain,
  IMAGENET_MEAN_STD,
  imageDimensions,
  normalizeInto,
  randomResizedCropBox,
  roundHalfEven,
  SeededRandom,
} from '@momentum-smoe/datasets';
import { gradient, tempDir, writeImage } from './imagenet-fixtures.js';

/** Crops [top, top+size) × [left, left+size) out of an HWC RGB image, by hand. */
function crop(rgb: Uint8Array, width: number, left: number, top: number, size: number): Uint8Array {
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++)
    out.set(rgb.subarray(((top + y) * width + left) * 3, ((top + y) * width + left + size) * 3), y * size * 3);
  return out;
}

function mirror(rgb: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(rgb.length);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      out.set(rgb.subarray((y * size + x) * 3, (y * size + x) * 3 + 3), (y * size + size - 1 - x) * 3);
  return out;
}

describe('transform geometry', () => {
  it("roundHalfEven matches Python's round", () => {
    expect([0.5, 1.5, 2.5, 58.5, 59.5, -0.5, -1.5, 2.4, 2.6].map(roundHalfEven)).toEqual([
      0, 2, 2, 58, 60, -0, -2, 2, 3,
    ]);
  });

  it('eval geometry: short side 256 (long side truncated), centre crop at round-half-even offsets', () => {
    // 256×192: long = floor(256·256/192) = floor(341.33) = 341; left = round((341−224)/2 = 58.5) = 58; top = 16
    expect(centerCropGeometry(256, 192, 256, 224)).toEqual({
      resizedWidth: 341,
      resizedHeight: 256,
      crop: { left: 58, top: 16, width: 224, height: 224 },
    });
    // portrait 375×500 → 256×341, top 58
    expect(centerCropGeometry(375, 500, 256, 224)).toEqual({
      resizedWidth: 256,
      resizedHeight: 341,
      crop: { left: 16, top: 58, width: 224, height: 224 },
    });
  });

  it('random resized crop: inside the image, area in [0.08, 1], ratio in [3/4, 4/3] (2000 seeded draws)', () => {
    const rng = new SeededRandom(11);
    for (let i = 0; i < 2000; i++) {
      const [W, H] = [200 + (i % 300), 150 + ((i * 7) % 200)];
      const b = randomResizedCropBox(W, H, rng);
      const where = `seed 11, draw ${i}, ${W}×${H} → ${JSON.stringify(b)}`;
      expect(b.left >= 0 && b.top >= 0 && b.left + b.width <= W && b.top + b.height <= H, where).toBe(true);
      // rounding w and h by up to ½ pixel moves area and ratio slightly past the sampled range
      const area = (b.width * b.height) / (W * H);
      expect(area, where).toBeGreaterThanOrEqual(0.08 * 0.9);
      expect(b.width / b.height, where).toBeGreaterThanOrEqual((3 / 4) * 0.95);
      expect(b.width / b.height, where).toBeLessThanOrEqual((4 / 3) * 1.05);
    }
  });

  it("random resized crop falls back to torchvision's centred crop when no try fits", () => {
    // 1000×10 (ratio 100): no box of ratio ≤ 4/3 and area ≥ 8% fits; fallback h = 10, w = round(10·4/3) = 13,
    // left = (1000−13)//2 = 493
    expect(randomResizedCropBox(1000, 10, new SeededRandom(3))).toEqual({ left: 493, top: 0, width: 13, height: 10 });
    // 10×1000: w = 10, h = round(10/(3/4)) = 13, top = (1000−13)//2 = 493
    expect(randomResizedCropBox(10, 1000, new SeededRandom(3))).toEqual({ left: 0, top: 493, width: 10, height: 13 });
  });
});

describe('decoding transforms', () => {
  let dir: string;
  let png: string;
  beforeAll(async () => {
    dir = await tempDir();
    png = join(dir, 'gradient.png');
    await writeImage(png, gradient(256, 192), 256, 192);
  });

  it('eval transform equals a hand crop at (58, 16) of the 341×256 resize, and follows the gradient', async () => {
    const out = await decodeEval(png);
    expect(out).toHaveLength(224 * 224 * 3);
    const full = new Uint8Array(await sharp(png).resize(341, 256, { fit: 'fill', kernel: 'linear' }).raw().toBuffer());
    expect(Buffer.from(out).equals(Buffer.from(crop(full, 341, 58, 16, 224)))).toBe(true);
    expect(Buffer.from(out).equals(Buffer.from(crop(full, 341, 59, 16, 224)))).toBe(false);
    // R = source x, G = source y: output pixel (i, j) samples x = (58 + j + ½)·256/341 − ½,
    // y = (16 + i + ½)·192/256 − ½
    let worst = 0;
    for (let i = 0; i < 224; i++)
      for (let j = 0; j < 224; j++) {
        const o = (i * 224 + j) * 3;
        worst = Math.max(
          worst,
          Math.abs(out[o]! - ((58 + j + 0.5) * (256 / 341) - 0.5)),
          Math.abs(out[o + 1]! - ((16 + i + 0.5) * 0.75 - 0.5)),
        );
      }
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('train transform with a whole-image crop is the full resize or its mirror, flipping about half the time', async () => {
    const options = { size: 64, scale: [1, 1], ratio: [256 / 192, 256 / 192] } as const;
    const plain = new Uint8Array(await sharp(png).resize(64, 64, { fit: 'fill', kernel: 'linear' }).raw().toBuffer());
    const mirrored = mirror(plain, 64);
    let flips = 0;
    for (let seed = 0; seed < 20; seed++) {
      const out = Buffer.from(await decodeTrain(png, new SeededRandom(seed), options));
      const flipped = out.equals(Buffer.from(mirrored));
      expect(flipped || out.equals(Buffer.from(plain)), `seed ${seed}`).toBe(true);
      flips += Number(flipped);
    }
    expect(flips).toBeGreaterThan(3);
    expect(flips).toBeLessThan(17);
  });

  it('header dimensions of JPEG and PNG agree with sharp; garbage and a cut header give undefined', async () => {
    const { readFile } = await import('node:fs/promises');
    const jpegFile = join(dir, 'wide.JPEG');
    await writeImage(jpegFile, gradient(77, 33), 77, 33);
    const jpeg = await readFile(jpegFile);
    expect(imageDimensions(jpeg)).toEqual({ width: 77, height: 33 });
    expect(imageDimensions(await readFile(png))).toEqual({ width: 256, height: 192 });
    const meta = await sharp(jpeg).metadata();
    expect([meta.width, meta.height]).toEqual([77, 33]);
    expect(imageDimensions(Buffer.from('not an image'))).toBeUndefined();
    expect(imageDimensions(jpeg.subarray(0, 40))).toBeUndefined();
  });

  it('train transform output: size²·3 bytes for any crop; no flip when disabled', async () => {
    const out = await decodeTrain(png, new SeededRandom(5), { size: 48, flip: false });
    expect(out).toHaveLength(48 * 48 * 3);
  });

  it('normalisation: [−1, 1] and mean/std against the float64 formula', () => {
    const rgb = Uint8Array.from([0, 128, 255, 200, 100, 30]);
    const out = new Float32Array(8).fill(9);
    normalizeInto(rgb, out, 1, 'minus-one-one');
    const expected = [...rgb].map((v) => v / 127.5 - 1);
    expect(out[0]).toBe(9);
    expected.forEach((v, i) => expect(out[i + 1]).toBeCloseTo(v, 6));
    expect(out[7]).toBe(9);
    normalizeInto(rgb, out, 0, IMAGENET_MEAN_STD);
    [...rgb].forEach((v, i) =>
      expect(out[i]).toBeCloseTo((v / 255 - [0.485, 0.456, 0.406][i % 3]!) / [0.229, 0.224, 0.225][i % 3]!, 5),
    );
  });
});
