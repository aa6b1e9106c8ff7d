import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  borderIndex,
  corruptImage,
  defocusKernel,
  filter2d,
  GENERATED_CORRUPTIONS,
  gaussianKernel,
  scanClassFolders,
  scanImageNetC,
  SeededRandom,
  separableFilter,
  writeCorruptedSet,
} from '@momentum-smoe/datasets';
import { tempDir, texture, writeClassFolders } from './imagenet-fixtures.js';

/** Mean squared difference of two byte images, in [0, 1] units. */
function energy(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += ((a[i]! - b[i]!) / 255) ** 2;
  return sum / a.length;
}

/** A smooth texture (box-blurred seeded noise) so that blur removes a measurable amount of detail. */
function smoothTexture(size: number, seed: number): Uint8Array {
  const noise = texture(size, size, seed);
  const out = new Uint8Array(noise.length);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let d = -1; d <= 1; d++) s += noise[(y * size + Math.min(size - 1, Math.max(0, x + d))) * 3 + c]!;
        out[(y * size + x) * 3 + c] = Math.round(s / 3);
      }
  return out;
}

describe('corruptions', () => {
  const SIZE = 48;
  const clean = smoothTexture(SIZE, 21);

  for (const corruption of GENERATED_CORRUPTIONS) {
    it(`${corruption}: noise energy grows with severity 1..5 (seed 4)`, () => {
      const energies = [1, 2, 3, 4, 5].map((s) =>
        energy(corruptImage(clean, SIZE, SIZE, corruption, s, new SeededRandom(4)), clean),
      );
      for (let s = 1; s < 5; s++) {
        const what = `seed 4, ${corruption} severities ${s}→${s + 1}: ${energies.join(', ')}`;
        expect(energies[s]!, what).toBeGreaterThan(energies[s - 1]!);
      }
      expect(energies[0]).toBeGreaterThan(0);
    });
  }

  it('gaussian_noise on mid-grey has the reference std (0.08 … 0.38) after clipping to [0, 1], seed 8', () => {
    const grey = new Uint8Array(64 * 64 * 3).fill(128);
    const m = 128 / 255;
    [0.08, 0.12, 0.18, 0.26, 0.38].forEach((std, s) => {
      // E[(clip(m + std·z, 0, 1) − m)²] by quadrature over z ~ N(0, 1)
      let variance = 0;
      for (let z = -8; z <= 8; z += 1e-3)
        variance +=
          (Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI)) * 1e-3 * (Math.min(1, Math.max(0, m + std * z)) - m) ** 2;
      const out = corruptImage(grey, 64, 64, 'gaussian_noise', s + 1, new SeededRandom(8));
      // + ½ level undoes the uint8 truncation on average
      const d = [...out].map((v) => (v + 0.5 - 128) / 255);
      const sd = Math.sqrt(d.reduce((a, v) => a + v * v, 0) / d.length);
      expect(
        Math.abs(sd - Math.sqrt(variance)) / Math.sqrt(variance),
        `seed 8 severity ${s + 1}: sd ${sd}`,
      ).toBeLessThan(0.03);
    });
  });

  it('impulse_noise replaces the reference fraction of values (0.03 … 0.27) by 0 or 255 equally, seed 2', () => {
    const grey = new Uint8Array(64 * 64 * 3).fill(128);
    [0.03, 0.06, 0.09, 0.17, 0.27].forEach((amount, s) => {
      const out = corruptImage(grey, 64, 64, 'impulse_noise', s + 1, new SeededRandom(2));
      const salt = out.filter((v) => v === 255).length / out.length;
      const pepper = out.filter((v) => v === 0).length / out.length;
      expect(salt + pepper, `seed 2 severity ${s + 1}`).toBeCloseTo(amount, 2);
      expect(Math.abs(salt - pepper), `seed 2 severity ${s + 1}`).toBeLessThan(0.02);
      expect(out.every((v) => v === 0 || v === 255 || v === 128)).toBe(true);
    });
  });

  it('defocus kernel: a normalised disk (radius 3 has 29 lattice points; alias blur 0.1 ≈ none)', () => {
    const { kernel, size } = defocusKernel(3, 0.1);
    expect(size).toBe(17);
    expect(kernel.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 10);
    for (let y = -8; y <= 8; y++)
      for (let x = -8; x <= 8; x++) {
        expect(kernel[(y + 8) * 17 + x + 8], `(${x}, ${y})`).toBeCloseTo(x * x + y * y <= 9 ? 1 / 29 : 0, 6);
      }
    expect(defocusKernel(10, 0.5).size).toBe(21);
  });

  it('filters match naive float64 loops (reflect-101 and nearest borders, seed 6)', () => {
    expect([-2, -1, 0, 4, 5, 6].map((i) => borderIndex(i, 5, 'reflect101'))).toEqual([2, 1, 0, 4, 3, 2]);
    expect([-2, 5].map((i) => borderIndex(i, 5, 'nearest'))).toEqual([0, 4]);
    const [w, h, c] = [7, 5, 3];
    const data = Float64Array.from(texture(w, h, 6), (v) => v / 255);
    const kernel = Float64Array.from({ length: 9 }, (_, i) => ((i * 7) % 5) - 1.5);
    const mirrorIndex = (i: number, n: number) => (i < 0 ? -i : i >= n ? 2 * n - 2 - i : i);
    const got = filter2d({ data, width: w, height: h, channels: c }, kernel, 3, 'reflect101').data;
    const g = gaussianKernel(1.2, 2);
    const blurred = separableFilter({ data, width: w, height: h, channels: c }, g, 'nearest').data;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let ch = 0; ch < c; ch++) {
          let naive = 0;
          let gauss = 0;
          for (let dy = -1; dy <= 1; dy++)
            for (let dx = -1; dx <= 1; dx++) {
              naive +=
                kernel[(dy + 1) * 3 + dx + 1]! * data[(mirrorIndex(y + dy, h) * w + mirrorIndex(x + dx, w)) * c + ch]!;
            }
          for (let dy = -2; dy <= 2; dy++)
            for (let dx = -2; dx <= 2; dx++) {
              const weight = Math.exp(-(dx * dx + dy * dy) / (2 * 1.44));
              const yy = Math.min(h - 1, Math.max(0, y + dy));
              const xx = Math.min(w - 1, Math.max(0, x + dx));
              gauss += weight * data[(yy * w + xx) * c + ch]!;
            }
          let norm = 0;
          for (let dy = -2; dy <= 2; dy++)
            for (let dx = -2; dx <= 2; dx++) norm += Math.exp(-(dx * dx + dy * dy) / (2 * 1.44));
          expect(got[(y * w + x) * c + ch]).toBeCloseTo(naive, 12);
          expect(blurred[(y * w + x) * c + ch]).toBeCloseTo(gauss / norm, 12);
        }
  });

  it('writeCorruptedSet writes <corruption>/<severity>/<wnid>/<name>.JPEG, seeded, skipping unreadable sources', async () => {
    const src = await tempDir();
    await writeClassFolders(src, { n02000000: 2, n01000000: 1 }, 30);
    await writeFile(join(src, 'n01000000', 'broken.JPEG'), 'nope');
    const set = await scanClassFolders(src);
    const out = await tempDir();
    const options = {
      out,
      corruptions: ['gaussian_noise', 'defocus_blur'] as const,
      severities: [1, 3],
      seed: 5,
      size: 16,
      resize: 18,
      onSkip: () => {},
    };
    const summary = await writeCorruptedSet(set, options);
    expect(summary).toEqual({ written: 3 * 2 * 2, skipped: [join(src, 'n01000000', 'broken.JPEG')] });
    expect((await readdir(out)).sort()).toEqual(['defocus_blur', 'gaussian_noise']);
    const sets = await scanImageNetC(out, set.classes);
    expect(sets.map((s) => `${s.corruption}/${s.severity}`)).toEqual([
      'defocus_blur/1',
      'defocus_blur/3',
      'gaussian_noise/1',
      'gaussian_noise/3',
    ]);
    const good = set.images.filter((i) => !i.path.endsWith('broken.JPEG'));
    for (const { set: c } of sets) {
      expect(c.images.map((i) => [i.path.split('/').slice(-2).join('/'), i.label])).toEqual(
        good.map((i) => [i.path.split('/').slice(-2).join('/'), i.label]),
      );
    }
    const file = join('gaussian_noise', '3', 'n02000000', 'n02000000_010.JPEG');
    const again = await tempDir();
    await writeCorruptedSet(set, { ...options, out: again });
    expect((await readFile(join(again, file))).equals(await readFile(join(out, file)))).toBe(true);
    const other = await tempDir();
    await writeCorruptedSet(set, { ...options, out: other, seed: 6 });
    expect((await readFile(join(other, file))).equals(await readFile(join(out, file)))).toBe(false);
  });
});
