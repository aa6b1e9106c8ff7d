/**
 * Writes an ImageNet-C-style copy of any {@link ImageSet}, `<out>/<corruption>/<severity>/<class>/<name>.JPEG`,
 * for robustness checks without the download. Like ImageNet-C, each image is first resized (short side 256)
 * and centre-cropped (224), then corrupted, then saved as JPEG quality 85.
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { DatasetError } from '../errors.js';
import { corruptImage, GENERATED_CORRUPTIONS, type GeneratedCorruption } from './corruptions.js';
import type { ImageSet } from './image-set.js';
import { prefetchOrdered } from './prefetch.js';
import { streamFor } from './random.js';
import { decodeEval } from './transforms.js';

/** Options of {@link writeCorruptedSet}. */
export interface CorruptedSetOptions {
  /** Output root (created if missing). */
  out: string;
  /** Which corruptions (default all of {@link GENERATED_CORRUPTIONS}). */
  corruptions?: readonly GeneratedCorruption[];
  /** Which severities (default 1..5). */
  severities?: readonly number[];
  /** Seed of the noise; each (corruption, severity, image) draws from its own derived stream (default 0). */
  seed?: number;
  /** Side of the stored images (default 224). */
  size?: number;
  /** Short side before the centre crop (default 256). */
  resize?: number;
  /** JPEG quality (default 85, as ImageNet-C). */
  quality?: number;
  /** Images processed at once (default 4). */
  concurrency?: number;
  /** Called for an unreadable source image, which is skipped (default: console.warn). */
  onSkip?: (path: string, error: unknown) => void;
}

/** What {@link writeCorruptedSet} did. */
export interface CorruptedSetSummary {
  /** Files written (images × corruptions × severities, less the skipped). */
  written: number;
  /** Source images that could not be read. */
  skipped: string[];
}

/**
 * Generates the corrupted copies; the result can be read back with `scanImageNetC(out, set.classes)`.
 * @example
 * ```ts
 * await writeCorruptedSet(val, { out: '/tmp/val-c', corruptions: ['gaussian_noise', 'impulse_noise'], seed: 1 });
 * ```
 */
export async function writeCorruptedSet(set: ImageSet, options: CorruptedSetOptions): Promise<CorruptedSetSummary> {
  const corruptions = options.corruptions ?? GENERATED_CORRUPTIONS;
  const severities = options.severities ?? [1, 2, 3, 4, 5];
  const size = options.size ?? 224;
  const seed = options.seed ?? 0;
  for (const s of severities)
    if (!(Number.isInteger(s) && s >= 1 && s <= 5)) throw new DatasetError(`severities must be in 1..5, got ${s}`);
  for (const c of corruptions) {
    for (const s of severities)
      for (const name of set.classes) await mkdir(join(options.out, c, String(s), name), { recursive: true });
  }
  const summary: CorruptedSetSummary = { written: 0, skipped: [] };
  // Resolves to the decode error of an unreadable source (skipped); write errors reject (and are thrown).
  const work = async (i: number): Promise<{ unreadable: unknown } | undefined> => {
    const { path, label } = set.images[i]!;
    let clean: Uint8Array;
    try {
      clean = await decodeEval(path, { size, resize: options.resize ?? 256 });
    } catch (unreadable) {
      return { unreadable };
    }
    const name = basename(path).replace(/\.[^.]+$/, '') + '.JPEG';
    for (const corruption of corruptions) {
      for (const severity of severities) {
        const rng = streamFor(seed, GENERATED_CORRUPTIONS.indexOf(corruption), severity, i);
        const pixels = corruptImage(clean, size, size, corruption, severity, rng);
        const jpeg = await sharp(pixels, { raw: { width: size, height: size, channels: 3 } })
          .jpeg({ quality: options.quality ?? 85 })
          .toBuffer();
        await writeFile(join(options.out, corruption, String(severity), set.classes[label]!, name), jpeg);
        summary.written++;
      }
    }
    return undefined;
  };
  const indices = set.images.map((_, i) => i);
  const limits = { concurrency: options.concurrency ?? 4, capacity: options.concurrency ?? 4 };
  let i = 0;
  for await (const result of prefetchOrdered(indices, work, limits)) {
    const { path } = set.images[i++]!;
    if (!result.ok) throw result.error;
    if (result.value === undefined) continue;
    summary.skipped.push(path);
    (options.onSkip ?? ((p, e) => console.warn(`skipping unreadable image ${p}: ${(e as Error).message ?? e}`)))(
      path,
      result.value.unreadable,
    );
  }
  return summary;
}
