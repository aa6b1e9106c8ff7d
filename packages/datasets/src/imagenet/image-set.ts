/**
 * Labelled image lists and the class-folder layout (`<root>/<class>/*.JPEG`) shared by ILSVRC-2012 train,
 * folderised val, ImageNet-A/R and each ImageNet-C severity.
 * @module
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DatasetError } from '../errors.js';

/** One image file and its class index. */
export interface LabelledImage {
  /** Path of the image file. */
  path: string;
  /** Index into the owning {@link ImageSet}'s `classes`. */
  label: number;
}

/** A list of labelled image files, with the class order its labels index. */
export interface ImageSet {
  /** The folder (or file) the set was read from, for messages. */
  root: string;
  /** Class names (ImageNet wnids) in label order: label `i` is `classes[i]`. */
  classes: readonly string[];
  /** The images, in a deterministic order (sorted class, then sorted file name). */
  images: readonly LabelledImage[];
}

const IMAGE_FILE = /\.(jpe?g|png|webp)$/i;

/** Code-unit order, as Python's `sorted` orders ASCII names (torchvision's ImageFolder class order). */
export function sortNames(names: readonly string[]): string[] {
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

async function readDirectory(dir: string, what: string) {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a folder' : `cannot be read (${code})`;
    throw new DatasetError(`${what} ${problem}`, dir);
  }
}

/**
 * The image files (`.JPEG`, `.jpg`, `.png`, `.webp`, any case) directly inside `dir`, sorted by name.
 * @throws DatasetError naming `dir` when it is missing or not a folder.
 */
export async function listImageFiles(dir: string): Promise<string[]> {
  const entries = await readDirectory(dir, 'image folder');
  return sortNames(entries.filter((e) => e.isFile() && IMAGE_FILE.test(e.name)).map((e) => e.name));
}

/** Options of {@link scanClassFolders}. */
export interface ScanOptions {
  /**
   * The class order to label with (e.g. the 1000 train wnids for a folderised val set). Every folder must be
   * one of them. Without it, the classes are the sorted folder names.
   */
  classes?: readonly string[];
}

/**
 * Reads the class-folder layout `<dir>/<class>/<image>`: one sub-folder per class, labels by sorted class name.
 * @throws DatasetError naming the path when `dir` is missing, has no class folders, a class folder has no
 * images, or a folder is not one of `options.classes`.
 * @example
 * ```ts
 * const train = await scanClassFolders('/data/imagenet/train'); // classes = the 1000 sorted wnids
 * const val = await scanClassFolders('/data/imagenet/val', { classes: train.classes });
 * ```
 */
export async function scanClassFolders(dir: string, options: ScanOptions = {}): Promise<ImageSet> {
  const entries = await readDirectory(dir, 'class-folder root');
  const folders = sortNames(entries.filter((e) => e.isDirectory()).map((e) => e.name));
  if (folders.length === 0) throw new DatasetError('has no class sub-folders (expected <class>/<image> files)', dir);
  const classes = options.classes ?? folders;
  const indexOf = new Map(classes.map((c, i) => [c, i]));
  const images: LabelledImage[] = [];
  for (const folder of folders) {
    const label = indexOf.get(folder);
    const path = join(dir, folder);
    if (label === undefined) {
      throw new DatasetError(`class folder is not one of the ${classes.length} known classes`, path);
    }
    const files = await listImageFiles(path);
    if (files.length === 0) throw new DatasetError('class folder has no images (empty class)', path);
    for (const file of files) images.push({ path: join(path, file), label });
  }
  return { root: dir, classes, images };
}
