/**
 * Human-readable class names from a synset words file (`LOC_synset_mapping.txt` from Kaggle or the devkit's
 * `synset_words.txt`), one class a line: `n01440764 tench, Tinca tinca`.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { DatasetError } from '../errors.js';

/** An ImageNet WordNet id: `n` and eight digits. */
export const WNID = /^n\d{8}$/;

/**
 * Parses synset words text into wnid → name (the text after the first space).
 * @param source the file name, for messages.
 * @throws DatasetError naming the line of a malformed entry.
 */
export function parseSynsetWords(text: string, source = 'synset words'): Map<string, string> {
  const names = new Map<string, string>();
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const match = /^\s*(\S+)\s+(.*\S)\s*$/.exec(line) ?? /^\s*(\S+)\s*$/.exec(line);
    const wnid = match?.[1] ?? '';
    if (!WNID.test(wnid)) {
      throw new DatasetError(
        `line ${i + 1}: expected "<wnid> <names>" (e.g. "n01440764 tench"), got "${line}"`,
        source,
      );
    }
    names.set(wnid, match?.[2] ?? wnid);
  });
  return names;
}

/**
 * Reads a synset words file into wnid → name.
 * @example
 * ```ts
 * const names = await readSynsetWords('/data/imagenet/LOC_synset_mapping.txt');
 * names.get('n01440764'); // 'tench, Tinca tinca'
 * ```
 */
export async function readSynsetWords(file: string): Promise<Map<string, string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new DatasetError('synset words file cannot be read', file);
  }
  return parseSynsetWords(text, file);
}
