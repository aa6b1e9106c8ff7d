/**
 * The binary cache of a tokenised corpus. Layout (little-endian):
 *
 * ```
 * 0   magic "MSWT"         4   version u32            8   content key (32 bytes, SHA-256)
 * 40  vocabulary size u32  44  vocabulary bytes u32   48  lines u32, tokens u32 for train, valid, test
 * 72  words joined by "\n" (UTF-8), zero-padded to a multiple of 4, then the int32 ids of each split
 * ```
 *
 * A load checks the magic, version, key, exact file length, word count, that every id is in range and
 * that each split has one `<eos>` per line.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { DatasetError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { WIKITEXT_SPLITS, type WikiTextSplit } from './files.js';
import type { TokenizedText } from './tokenizer.js';
import { EOS } from './vocabulary.js';

const MAGIC = 0x5457534d; // "MSWT" read as a little-endian u32
/** Version of the cache layout; bump it when the layout or the tokenisation changes. */
export const CORPUS_CACHE_VERSION = 1;
const HEADER = 72;

/** What a cache file holds. */
export interface CachedCorpus {
  /** The vocabulary, by id. */
  words: string[];
  /** Ids and line counts per split. */
  splits: Record<WikiTextSplit, TokenizedText>;
}

function assertLittleEndian(): void {
  if (endianness() !== 'LE') throw new DatasetError('the corpus cache is little-endian; this machine is big-endian');
}

/** Writes the cache file atomically. */
export async function writeCorpusCache(
  file: string,
  key: Uint8Array,
  words: readonly string[],
  splits: CachedCorpus['splits'],
): Promise<void> {
  assertLittleEndian();
  const vocabBytes = Buffer.from(words.join('\n'), 'utf8');
  const header = Buffer.alloc(HEADER);
  header.writeUInt32LE(MAGIC, 0);
  header.writeUInt32LE(CORPUS_CACHE_VERSION, 4);
  Buffer.from(key).copy(header, 8);
  header.writeUInt32LE(words.length, 40);
  header.writeUInt32LE(vocabBytes.length, 44);
  WIKITEXT_SPLITS.forEach((split, i) => {
    header.writeUInt32LE(splits[split].lines, 48 + 8 * i);
    header.writeUInt32LE(splits[split].ids.length, 52 + 8 * i);
  });
  const pad = new Uint8Array((4 - ((HEADER + vocabBytes.length) % 4)) % 4);
  const ids = WIKITEXT_SPLITS.map(
    (s) => new Uint8Array(splits[s].ids.buffer, splits[s].ids.byteOffset, splits[s].ids.byteLength),
  );
  await writeFileAtomic(file, [header, vocabBytes, pad, ...ids]);
}

/**
 * Reads a cache file: `'missing'` when there is none, `'stale'` when it was built from other content
 * (another key), the corpus when it is valid. Throws a {@link DatasetError} when the file is corrupt.
 */
export async function readCorpusCache(file: string, key: Uint8Array): Promise<CachedCorpus | 'missing' | 'stale'> {
  assertLittleEndian();
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  const corrupt = (problem: string): DatasetError => new DatasetError(`corrupt corpus cache: ${problem}`, file);
  if (bytes.length < HEADER) throw corrupt(`${bytes.length} bytes is shorter than the ${HEADER}-byte header`);
  if (bytes.readUInt32LE(0) !== MAGIC) throw corrupt('bad magic number');
  const version = bytes.readUInt32LE(4);
  if (version !== CORPUS_CACHE_VERSION) return 'stale';
  if (!bytes.subarray(8, 40).equals(Buffer.from(key))) return 'stale';
  const vocabSize = bytes.readUInt32LE(40);
  const vocabBytes = bytes.readUInt32LE(44);
  const counts = WIKITEXT_SPLITS.map((_, i) => ({
    lines: bytes.readUInt32LE(48 + 8 * i),
    tokens: bytes.readUInt32LE(52 + 8 * i),
  }));
  const idsStart = Math.ceil((HEADER + vocabBytes) / 4) * 4;
  const expected = idsStart + 4 * counts.reduce((sum, c) => sum + c.tokens, 0);
  if (bytes.length !== expected) throw corrupt(`length ${bytes.length} bytes, the header implies ${expected}`);
  const words = vocabSize === 0 ? [] : bytes.toString('utf8', HEADER, HEADER + vocabBytes).split('\n');
  if (words.length !== vocabSize) throw corrupt(`${words.length} words stored, the header says ${vocabSize}`);
  const eos = words.indexOf(EOS);
  // Keep the ids 4-byte aligned for the Int32Array views.
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : Buffer.from(bytes);
  const splits = {} as CachedCorpus['splits'];
  let at = aligned.byteOffset + idsStart;
  WIKITEXT_SPLITS.forEach((split, i) => {
    const { lines, tokens } = counts[i]!;
    const ids = new Int32Array(aligned.buffer, at, tokens);
    at += 4 * tokens;
    let eosCount = 0;
    for (let j = 0; j < tokens; j++) {
      const id = ids[j]!;
      if (id < 0 || id >= vocabSize)
        throw corrupt(`${split} id ${id} at ${j} is outside the vocabulary of ${vocabSize}`);
      if (id === eos) eosCount++;
    }
    if (eosCount !== lines) throw corrupt(`${split} has ${eosCount} ${EOS} ids for ${lines} lines`);
    splits[split] = { ids, lines };
  });
  return { words, splits };
}
