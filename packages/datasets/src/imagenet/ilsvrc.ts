/**
 * ILSVRC-2012 in one call: finds `train/` and `val/` under a root (plain, or Kaggle's
 * `ILSVRC/Data/CLS-LOC/`), labels both by the sorted train wnids, and reads class names when a synset
 * words file is there.
 * @module
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { DatasetError } from '../errors.js';
import { scanClassFolders, type ImageSet } from './image-set.js';
import { readSynsetWords } from './synsets.js';
import { readValidationSet, type ValidationLabels } from './validation.js';

/** The two splits of ILSVRC-2012 and their classes. */
export interface ImageNetSplits {
  /** The sorted train wnids: class index `i` is `classes[i]`. */
  classes: readonly string[];
  /** Human-readable names in class order (the wnid itself where no synset words file gives one). */
  names: readonly string[];
  /** The training images (`train/<wnid>/*`). */
  train: ImageSet;
  /** The validation images, labelled in the train class order. */
  val: ImageSet;
}

/** Options of {@link openImageNet}. */
export interface OpenImageNetOptions {
  /** Labels of a flat val folder (default: class folders, or a `LOC_val_solution.csv` found nearby). */
  valLabels?: ValidationLabels;
  /** Synset words file (default: `LOC_synset_mapping.txt` or `synset_words.txt` in the root, if any). */
  synsetWords?: string;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * Opens ILSVRC-2012 at `root`.
 * @throws DatasetError naming the path when neither `<root>/train` nor `<root>/ILSVRC/Data/CLS-LOC/train`
 * exists, or as {@link scanClassFolders} and {@link readValidationSet} do.
 * @example
 * ```ts
 * const { classes, names, train, val } = await openImageNet('/data/imagenet');
 * ```
 */
export async function openImageNet(root: string, options: OpenImageNetOptions = {}): Promise<ImageNetSplits> {
  const bases = [root, join(root, 'ILSVRC', 'Data', 'CLS-LOC')];
  let base: string | undefined;
  for (const candidate of bases) if (base === undefined && (await exists(join(candidate, 'train')))) base = candidate;
  if (base === undefined)
    throw new DatasetError(
      `no ILSVRC-2012 train folder (looked for ${bases.map((b) => join(b, 'train')).join(' and ')})`,
      root,
    );
  const train = await scanClassFolders(join(base, 'train'));
  const { classes } = train;
  const val = await readValidationSet(
    join(base, 'val'),
    options.valLabels ? { classes, labels: options.valLabels } : { classes },
  );
  let wordsFile = options.synsetWords;
  for (const name of ['LOC_synset_mapping.txt', 'synset_words.txt']) {
    if (wordsFile === undefined && (await exists(join(root, name)))) wordsFile = join(root, name);
  }
  const words = wordsFile === undefined ? new Map<string, string>() : await readSynsetWords(wordsFile);
  return { classes, names: classes.map((c) => words.get(c) ?? c), train, val };
}
