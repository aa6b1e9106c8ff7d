/** Tiny image fixtures for the ImageNet tests, generated with sharp in a temporary folder. */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

/** A fresh temporary folder. */
export function tempDir(prefix = 'msmoe-imagenet-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** RGB bytes [h, w, 3] of a seeded texture (an LCG, independent of the package's generator). */
export function texture(width: number, height: number, seed: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/** RGB bytes [h, w, 3] with R = x, G = y, B = 7 (w, h ≤ 256): a gradient whose values are its coordinates. */
export function gradient(width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out.set([x, y, 7], (y * width + x) * 3);
  return out;
}

/** Writes RGB bytes as a JPEG (or PNG when the name ends in .png), creating folders. */
export async function writeImage(path: string, rgb: Uint8Array, width: number, height: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const image = sharp(rgb, { raw: { width, height, channels: 3 } });
  await writeFile(path, await (path.endsWith('.png') ? image.png() : image.jpeg({ quality: 90 })).toBuffer());
}

/** Writes `count` small textured JPEGs per class under `<root>/<class>/`; returns the file names per class. */
export async function writeClassFolders(
  root: string,
  counts: Record<string, number>,
  size = 40,
): Promise<Map<string, string[]>> {
  const names = new Map<string, string[]>();
  let seed = 1;
  for (const [wnid, count] of Object.entries(counts)) {
    const files: string[] = [];
    for (let i = 0; i < count; i++) {
      const file = `${wnid}_${String(10 - i).padStart(3, '0')}.JPEG`;
      await writeImage(join(root, wnid, file), texture(size + i, size, seed++), size + i, size);
      files.push(file);
    }
    names.set(wnid, files);
  }
  return names;
}
