/**
 * The ILSVRC-2012 validation set in its three layouts:
 * 1. class folders `val/<wnid>/*.JPEG` (as after the usual `valprep.sh`);
 * 2. flat `val/*.JPEG` with Kaggle's `LOC_val_solution.csv` (`ImageId,PredictionString`; the first token of
 *    PredictionString is the wnid), found next to the images or in up to four parent folders;
 * 3. flat `val/ILSVRC2012_val_%08d.JPEG` with the devkit's `ILSVRC2012_validation_ground_truth.txt` (line n
 *    holds the 1-based ILSVRC2012_ID of image n). The devkit maps IDs to wnids in `meta.mat` (MATLAB), which
 *    we do not parse: pass a wnid-order file instead, whose line i is the wnid of ILSVRC2012_ID i (the
 *    `WNID` field of meta.mat's first 1000 synsets, in ID order; extra tokens after the wnid are ignored).
 * @module
 */
import { access, readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DatasetError } from '../errors.js';
import { listImageFiles, scanClassFolders, type ImageSet, type LabelledImage } from './image-set.js';

/** Where the labels of a flat validation folder come from (see the module comment). */
export type ValidationLabels =
  | {
      /** Kaggle's solution file. */
      kind: 'kaggle-csv';
      /** Path of `LOC_val_solution.csv`. */
      file: string;
    }
  | {
      /** The devkit's ground truth. */
      kind: 'devkit';
      /** Path of `ILSVRC2012_validation_ground_truth.txt`. */
      groundTruth: string;
      /** Wnids in ILSVRC2012_ID order: a file (one a line) or the list itself. */
      wnidOrder: string | readonly string[];
    };

/** Options of {@link readValidationSet}. */
export interface ValidationOptions {
  /** The class order (normally the 1000 sorted train wnids). */
  classes: readonly string[];
  /** Labels for a flat folder; default: class folders if present, else `LOC_val_solution.csv` found nearby. */
  labels?: ValidationLabels;
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    throw new DatasetError(`${what} cannot be read`, file);
  }
}

function lines(text: string): string[] {
  return text.split(/\r?\n/).filter((l) => l.trim() !== '');
}

/** Parses Kaggle's `LOC_val_solution.csv` into ImageId → wnid (first token of PredictionString). */
export function parseKaggleSolution(text: string, source = 'LOC_val_solution.csv'): Map<string, string> {
  const rows = lines(text);
  const header = rows.shift() ?? '';
  if (!/^ImageId\s*,\s*PredictionString/i.test(header)) {
    throw new DatasetError(`expected the header "ImageId,PredictionString", got "${header}"`, source);
  }
  const labels = new Map<string, string>();
  rows.forEach((row, i) => {
    const [id, prediction] = row.split(',', 2).map((s) => s.trim());
    const wnid = prediction?.split(/\s+/)[0];
    if (!id || !wnid) throw new DatasetError(`line ${i + 2}: expected "ImageId,<wnid> <box>...", got "${row}"`, source);
    labels.set(id, wnid);
  });
  return labels;
}

/**
 * Parses the devkit ground truth (one 1-based ILSVRC2012_ID per line, line n for image n) through a wnid
 * order (entry i-1 is the wnid of ID i) into image number → wnid.
 */
export function parseDevkitGroundTruth(
  text: string,
  wnidOrder: readonly string[],
  source = 'ground truth',
): Map<number, string> {
  const labels = new Map<number, string>();
  lines(text).forEach((line, i) => {
    const id = Number(line.trim());
    const wnid = Number.isInteger(id) ? wnidOrder[id - 1] : undefined;
    if (wnid === undefined) {
      throw new DatasetError(`line ${i + 1}: "${line}" is not an ILSVRC2012_ID in 1..${wnidOrder.length}`, source);
    }
    labels.set(i + 1, wnid);
  });
  return labels;
}

async function findUpwards(dir: string, name: string, levels: number): Promise<string | undefined> {
  for (let d = dir, i = 0; i <= levels; i++, d = dirname(d)) {
    const candidate = join(d, name);
    if (
      await access(candidate).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  return undefined;
}

function labelOf(wnid: string, classIndex: Map<string, number>, file: string, source: string): number {
  const label = classIndex.get(wnid);
  if (label === undefined)
    throw new DatasetError(`labels ${file} as ${wnid}, which is not one of the ${classIndex.size} classes`, source);
  return label;
}

/**
 * Reads the ILSVRC-2012 validation set in any of the three layouts of the module comment. Every image of a
 * flat folder must have a label; label rows without an image are ignored (so a subset of val works).
 * @throws DatasetError naming the path when the folder is missing or empty, no labels are found, or an
 * image has no label or an unknown wnid.
 * @example
 * ```ts
 * const val = await readValidationSet('/data/ILSVRC/Data/CLS-LOC/val', { classes: train.classes });
 * ```
 */
export async function readValidationSet(dir: string, options: ValidationOptions): Promise<ImageSet> {
  const { classes } = options;
  let labels = options.labels;
  if (!labels) {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => {
      throw new DatasetError('validation folder does not exist or cannot be read', dir);
    });
    if (entries.some((e) => e.isDirectory())) return scanClassFolders(dir, { classes });
    const csv = await findUpwards(dir, 'LOC_val_solution.csv', 4);
    if (!csv) {
      throw new DatasetError(
        `validation folder is flat but no LOC_val_solution.csv was found next to it or above it; ` +
          `pass options.labels (a Kaggle CSV, or the devkit ground truth with a wnid-order file)`,
        dir,
      );
    }
    labels = { kind: 'kaggle-csv', file: csv };
  }
  const files = await listImageFiles(dir);
  if (files.length === 0) throw new DatasetError('validation folder has no images', dir);
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const images: LabelledImage[] = [];
  if (labels.kind === 'kaggle-csv') {
    const source = labels.file;
    const byId = parseKaggleSolution(await readText(source, 'Kaggle solution file'), source);
    for (const file of files) {
      const wnid = byId.get(file.replace(/\.[^.]+$/, ''));
      if (wnid === undefined) throw new DatasetError(`image has no row in ${source}`, join(dir, file));
      images.push({ path: join(dir, file), label: labelOf(wnid, classIndex, file, source) });
    }
  } else {
    const source = labels.groundTruth;
    const order =
      typeof labels.wnidOrder === 'string'
        ? lines(await readText(labels.wnidOrder, 'wnid-order file')).map((l) => l.trim().split(/\s+/)[0] ?? '')
        : labels.wnidOrder;
    const byNumber = parseDevkitGroundTruth(await readText(source, 'devkit ground-truth file'), order, source);
    for (const file of files) {
      const number = /ILSVRC2012_val_(\d+)\./.exec(basename(file))?.[1];
      const wnid = number === undefined ? undefined : byNumber.get(Number(number));
      if (wnid === undefined) {
        throw new DatasetError(`not an ILSVRC2012_val_<n> image with a line in ${source}`, join(dir, file));
      }
      images.push({ path: join(dir, file), label: labelOf(wnid, classIndex, file, source) });
    }
  }
  return { root: dir, classes, images };
}
