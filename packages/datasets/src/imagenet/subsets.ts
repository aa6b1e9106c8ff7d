/**
 * ImageNet-A and ImageNet-R: 200-class subsets stored as `<root>/<wnid>/*`, evaluated with a 1000-class
 * model whose predictions are restricted to the subset's wnids (the argmax is taken over those 200
 * logits only, as Hendrycks et al. and the group's `eval_OOD.py` do).
 * @module
 */
import { DatasetError } from '../errors.js';
import { scanClassFolders, type ImageSet } from './image-set.js';

/** How a subset's classes sit inside the full class list. */
export interface SubsetMapping {
  /** The subset's wnids in label order (sorted): subset label `j` is `classes[j]`. */
  classes: readonly string[];
  /** toFull: [K], the full-model class index of subset label `j` (for a gather on the logits' last axis). */
  toFull: Int32Array;
  /** mask: [C], 1 where a full class belongs to the subset. */
  mask: Uint8Array;
}

/**
 * Maps subset wnids into the full class order.
 * @throws DatasetError naming the first subset wnid that is not a full class.
 * @example
 * ```ts
 * const m = subsetMapping(train.classes, imagenetA.classes); // m.toFull.length === 200
 * ```
 */
export function subsetMapping(fullClasses: readonly string[], subsetClasses: readonly string[]): SubsetMapping {
  const index = new Map(fullClasses.map((c, i) => [c, i]));
  const toFull = new Int32Array(subsetClasses.length);
  const mask = new Uint8Array(fullClasses.length);
  subsetClasses.forEach((wnid, j) => {
    const i = index.get(wnid);
    if (i === undefined)
      throw new DatasetError(`subset class ${wnid} is not one of the ${fullClasses.length} model classes`);
    toFull[j] = i;
    mask[i] = 1;
  });
  return { classes: subsetClasses, toFull, mask };
}

function checkLogits(logits: Float32Array, mapping: SubsetMapping): number {
  const classes = mapping.mask.length;
  if (logits.length % classes !== 0) {
    throw new DatasetError(
      `logits of length ${logits.length} are not [B, ${classes}] (the full class count of the mapping)`,
    );
  }
  return logits.length / classes;
}

/**
 * Keeps the subset's columns of full-model logits.
 * @param logits [B, C] row-major.
 * @returns [B, K], column `j` = full class `toFull[j]`.
 */
export function restrictLogits(logits: Float32Array, mapping: SubsetMapping): Float32Array {
  const batch = checkLogits(logits, mapping);
  const classes = mapping.mask.length;
  const k = mapping.toFull.length;
  const out = new Float32Array(batch * k);
  for (let b = 0; b < batch; b++)
    for (let j = 0; j < k; j++) out[b * k + j] = logits[b * classes + mapping.toFull[j]!]!;
  return out;
}

/**
 * The restricted prediction: for each row the subset label whose logit is largest among the subset's
 * classes (first one on ties), comparable with the subset set's labels.
 * @param logits [B, C] row-major.
 * @returns [B] subset labels.
 */
export function restrictedArgmax(logits: Float32Array, mapping: SubsetMapping): Int32Array {
  const batch = checkLogits(logits, mapping);
  const classes = mapping.mask.length;
  const out = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    let best = -Infinity;
    mapping.toFull.forEach((i, j) => {
      const v = logits[b * classes + i]!;
      if (v > best) {
        best = v;
        out[b] = j;
      }
    });
  }
  return out;
}

/** A robustness subset's images with their mapping into the full classes. */
export interface SubsetSet {
  /** The images, labelled by the sorted subset wnids. */
  set: ImageSet;
  /** Where those wnids sit among the model's classes. */
  mapping: SubsetMapping;
}

/**
 * Reads ImageNet-A or ImageNet-R (`<dir>/<wnid>/*`): labels index the sorted subset wnids, and the mapping
 * places those in `fullClasses` (normally the 1000 train wnids).
 * @example
 * ```ts
 * const { set, mapping } = await readSubsetSet('/data/imagenet-r', train.classes);
 * const predicted = restrictedArgmax(logits, mapping); // compare with batch labels
 * ```
 */
export async function readSubsetSet(dir: string, fullClasses: readonly string[]): Promise<SubsetSet> {
  const set = await scanClassFolders(dir);
  return { set, mapping: subsetMapping(fullClasses, set.classes) };
}
