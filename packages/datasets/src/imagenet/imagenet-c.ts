/**
 * The ImageNet-C folder layout `<root>/<corruption>/<severity 1..5>/<wnid>/*.JPEG`, read as one
 * {@link ImageSet} per (corruption, severity), labelled in a given class order.
 * @module
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DatasetError } from '../errors.js';
import { scanClassFolders, sortNames, type ImageSet } from './image-set.js';

/** The images of one corruption at one severity. */
export interface CorruptionSet {
  /** The corruption's folder name, e.g. `gaussian_noise`. */
  corruption: string;
  /** 1..5. */
  severity: number;
  /** The images, labelled in the given class order. */
  set: ImageSet;
}

async function subfolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => {
    throw new DatasetError('ImageNet-C folder does not exist or cannot be read', dir);
  });
  return sortNames(entries.filter((e) => e.isDirectory()).map((e) => e.name));
}

/**
 * Reads every (corruption, severity) under `root`, or only `corruptions` when given.
 * @param classes the class order to label with (normally the 1000 train wnids).
 * @throws DatasetError naming the path of a missing corruption, a corruption without severity folders 1..5,
 * a severity folder with another name, or an empty class.
 * @example
 * ```ts
 * for (const { corruption, severity, set } of await scanImageNetC('/data/imagenet-c', train.classes)) { ... }
 * ```
 */
export async function scanImageNetC(
  root: string,
  classes: readonly string[],
  corruptions?: readonly string[],
): Promise<CorruptionSet[]> {
  const names = corruptions ?? (await subfolders(root));
  if (names.length === 0) throw new DatasetError('ImageNet-C folder has no corruption folders', root);
  const sets: CorruptionSet[] = [];
  for (const corruption of names) {
    const dir = join(root, corruption);
    const severities = await subfolders(dir);
    if (severities.length === 0) throw new DatasetError('corruption folder has no severity folders 1..5', dir);
    for (const name of severities) {
      const severity = Number(name);
      if (!/^[1-5]$/.test(name)) throw new DatasetError('not a severity folder (expected 1..5)', join(dir, name));
      sets.push({ corruption, severity, set: await scanClassFolders(join(dir, name), { classes }) });
    }
  }
  return sets;
}
