/**
 * Where a WikiText corpus keeps its three splits. Two layouts exist in the wild: the Salesforce release
 * (`wiki.train.tokens`, ...) and the renamed files of the Transformer-XL `getdata.sh` that the official
 * MomentumSMoE code reads (`train.txt`, ...).
 * @module
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DatasetError } from '../errors.js';

/** The three splits of a language-model corpus, in the order the vocabulary is built. */
export const WIKITEXT_SPLITS = ['train', 'valid', 'test'] as const;

/** One of `train`, `valid`, `test`. */
export type WikiTextSplit = (typeof WIKITEXT_SPLITS)[number];

/** The absolute paths of a corpus's three split files. */
export interface WikiTextFiles {
  /** The corpus directory, resolved to an absolute path. */
  dir: string;
  /** Which naming was found. */
  layout: 'wiki.tokens' | 'txt';
  /** One file per split. */
  files: Record<WikiTextSplit, string>;
}

const LAYOUTS: ReadonlyArray<{ layout: WikiTextFiles['layout']; name: (split: WikiTextSplit) => string }> = [
  { layout: 'wiki.tokens', name: (split) => `wiki.${split}.tokens` },
  { layout: 'txt', name: (split) => `${split}.txt` },
];

/**
 * Finds the split files of a WikiText corpus in `dir`: `wiki.{train,valid,test}.tokens` first, else
 * `{train,valid,test}.txt`. Throws a {@link DatasetError} naming the directory and both sets of names
 * when neither set is complete.
 * @example
 * ```ts
 * const { files } = findWikiTextFiles('data/wikitext-103');
 * ```
 */
export function findWikiTextFiles(dir: string): WikiTextFiles {
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    throw new DatasetError('not a directory; pass the folder holding the WikiText split files', abs);
  }
  for (const { layout, name } of LAYOUTS) {
    const files = {
      train: join(abs, name('train')),
      valid: join(abs, name('valid')),
      test: join(abs, name('test')),
    };
    if (WIKITEXT_SPLITS.every((split) => isFile(files[split]))) return { dir: abs, layout, files };
  }
  const expected = LAYOUTS.map(({ name }) => WIKITEXT_SPLITS.map(name).join(', ')).join('  or  ');
  throw new DatasetError(`no complete WikiText corpus here; expected ${expected}`, abs);
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}
