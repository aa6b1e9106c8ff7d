/**
 * The official WikiText tokenisation, streamed: each line is split on whitespace (Python's `str.split()`
 * set of whitespace characters) and `<eos>` is appended, so an empty line gives a lone `<eos>`. Lines end
 * at `\n`, `\r\n` or `\r`, as Python's text-mode file iteration reads them. Files are read in chunks cut
 * at line ends and scanned as UTF-8 bytes, words looked up by their bytes: memory holds one chunk plus
 * the ids, never the whole text, and no string is made per token.
 * @module
 */
import { isUtf8 } from 'node:buffer';
import { open } from 'node:fs/promises';
import { DatasetError } from '../errors.js';
import { FNV_OFFSET, FNV_PRIME, type ByteIndex } from './byte-index.js';
import { IdBuffer } from './id-buffer.js';
import { EOS, UNK, type Vocabulary } from './vocabulary.js';

/** How {@link tokenizeFile} and {@link tokenizeText} map words to ids. */
export interface TokenizeOptions {
  /** When true, unseen words map to `<unk>` instead of joining the vocabulary. Default false. */
  frozen?: boolean;
  /** A per-line text transform applied before splitting (e.g. a word-swap attack); must return one line. */
  transformLine?: (line: string) => string;
  /** A word that always maps to `<unk>`, even when the vocabulary has it (the attack's swap token). */
  unknownWord?: string;
  /** Called after each chunk with the bytes read so far. */
  onBytes?: (bytesRead: number) => void;
  /** Bytes read per chunk. Default 8 MiB. */
  chunkBytes?: number;
}

/** The ids of one text and its line count. */
export interface TokenizedText {
  /** Word ids with one `<eos>` id per line. */
  ids: Int32Array;
  /** Number of lines, equal to the number of `<eos>` ids. */
  lines: number;
}

const WORD = 0;
const SPACE = 1;
const LF = 2;
const CR = 3;
// Python's str.isspace() below 128: \t \n \v \f \r, \x1c..\x1f and space; \n and \r also end lines.
const ASCII_CLASS = new Uint8Array(128);
for (const c of [9, 11, 12, 28, 29, 30, 31, 32]) ASCII_CLASS[c] = SPACE;
ASCII_CLASS[10] = LF;
ASCII_CLASS[13] = CR;

/**
 * Byte length of the non-ASCII Python whitespace character starting at `buf[i]`, or 0:
 * U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
 */
function wideSpaceLength(buf: Uint8Array, i: number): number {
  const b0 = buf[i];
  const b1 = buf[i + 1];
  if (b0 === 0xc2) return b1 === 0x85 || b1 === 0xa0 ? 2 : 0;
  const b2 = buf[i + 2]!;
  if (b0 === 0xe2) {
    if (b1 === 0x80) return (b2 >= 0x80 && b2 <= 0x8a) || b2 === 0xa8 || b2 === 0xa9 || b2 === 0xaf ? 3 : 0;
    return b1 === 0x81 && b2 === 0x9f ? 3 : 0;
  }
  if (b0 === 0xe1) return b1 === 0x9a && b2 === 0x80 ? 3 : 0;
  if (b0 === 0xe3) return b1 === 0x80 && b2 === 0x80 ? 3 : 0;
  return 0;
}

/** Splits UTF-8 bytes into ids, line by line; holds the running state between chunks. */
class LineTokenizer {
  readonly out = new IdBuffer();
  lines = 0;
  // Resolved on first use: the official code gives <eos> its id when the first line ends.
  private eos = -1;
  private readonly unk: number;
  private readonly forcedUnk: number;
  private readonly index: ByteIndex;

  constructor(
    private readonly vocab: Vocabulary,
    private readonly frozen: boolean,
    private readonly transformLine: ((line: string) => string) | undefined,
    unknownWord: string | undefined,
  ) {
    this.index = vocab.byteIndex();
    this.unk = frozen ? (vocab.lookup(UNK) ?? -1) : -1;
    if (unknownWord !== undefined && this.unk < 0)
      throw new DatasetError(
        `mapping ${JSON.stringify(unknownWord)} to ${UNK} needs a frozen vocabulary that has ${UNK}`,
      );
    this.forcedUnk = unknownWord === undefined ? -1 : (vocab.lookup(unknownWord) ?? -1);
  }

  /** Tokenises valid UTF-8 `bytes`; unless `final`, they end exactly at a line end. */
  feed(bytes: Uint8Array, final: boolean): void {
    if (this.transformLine === undefined) this.scan(bytes, final);
    else this.scanTransformed(bytes, final);
  }

  private scanTransformed(bytes: Uint8Array, final: boolean): void {
    const transform = this.transformLine!;
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let start = 0;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (b !== 10 && b !== 13) continue;
      this.scan(Buffer.from(transform(text.toString('utf8', start, i)) + '\n', 'utf8'), false);
      if (b === 13 && bytes[i + 1] === 10) i++;
      start = i + 1;
    }
    if (final && start < bytes.length)
      this.scan(Buffer.from(transform(text.toString('utf8', start)) + '\n', 'utf8'), false);
  }

  private scan(buf: Uint8Array, final: boolean): void {
    const n = buf.length;
    let start = -1;
    let hash = FNV_OFFSET;
    for (let i = 0; i < n;) {
      const b = buf[i]!;
      const cls = b < 128 ? ASCII_CLASS[b]! : WORD;
      const wide = cls === WORD && b >= 0xc2 && b <= 0xe3 ? wideSpaceLength(buf, i) : 0;
      if (cls === WORD && wide === 0) {
        if (start < 0) {
          start = i;
          hash = FNV_OFFSET;
        }
        hash = Math.imul(hash ^ b, FNV_PRIME);
        i++;
        continue;
      }
      if (start >= 0) this.word(buf, start, i, hash);
      start = -1;
      if (cls === LF || cls === CR) {
        this.endLine();
        if (cls === CR && buf[i + 1] === 10) i++;
      }
      i += wide > 0 ? wide : 1;
    }
    if (!final) return;
    if (start >= 0) this.word(buf, start, n, hash);
    // A last line without a line end still counts, as in Python.
    const last = n > 0 ? buf[n - 1] : 10;
    if (last !== 10 && last !== 13) this.endLine();
  }

  private word(buf: Uint8Array, start: number, end: number, hash: number): void {
    let id = this.index.find(buf, start, end, hash);
    if (id < 0) {
      if (this.frozen) {
        if (this.unk < 0)
          throw new DatasetError(
            `the word ${JSON.stringify(decode(buf, start, end))} is unseen and the vocabulary has no ${UNK}`,
          );
        id = this.unk;
      } else {
        id = this.vocab.add(decode(buf, start, end));
      }
    } else if (id === this.forcedUnk) {
      id = this.unk;
    }
    this.out.push(id);
  }

  private endLine(): void {
    if (this.eos < 0) this.eos = this.frozen ? this.vocab.id(EOS) : this.vocab.add(EOS);
    this.out.push(this.eos);
    this.lines++;
  }
}

function decode(buf: Uint8Array, start: number, end: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('utf8', start, end);
}

/**
 * Tokenises a file with the official rules, adding new words to `vocab` (or mapping them to `<unk>` when
 * `frozen`). Throws a {@link DatasetError} naming the file when it is not valid UTF-8.
 * @example
 * ```ts
 * const vocab = new Vocabulary();
 * const { ids, lines } = await tokenizeFile('wt103/wiki.train.tokens', vocab);
 * ```
 */
export async function tokenizeFile(
  path: string,
  vocab: Vocabulary,
  options: TokenizeOptions = {},
): Promise<TokenizedText> {
  const tokenizer = new LineTokenizer(vocab, options.frozen ?? false, options.transformLine, options.unknownWord);
  const feed = (bytes: Uint8Array, final: boolean): void => {
    if (!isUtf8(bytes)) throw new DatasetError('not valid UTF-8 text; WikiText files are UTF-8', path);
    tokenizer.feed(bytes, final);
  };
  let buf = Buffer.allocUnsafe(options.chunkBytes ?? 8 << 20);
  let have = 0;
  let read = 0;
  const file = await open(path, 'r');
  try {
    for (;;) {
      if (have === buf.length) {
        // One line longer than a chunk: grow rather than cut inside it.
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, have);
        buf = bigger;
      }
      const { bytesRead } = await file.read(buf, have, buf.length - have, null);
      if (bytesRead === 0) break;
      have += bytesRead;
      read += bytesRead;
      const cut = lastLineEnd(buf, have);
      if (cut > 0) {
        feed(buf.subarray(0, cut), false);
        buf.copy(buf, 0, cut, have);
        have -= cut;
      }
      options.onBytes?.(read);
    }
    feed(buf.subarray(0, have), true);
  } finally {
    await file.close();
  }
  return { ids: tokenizer.out.finish(), lines: tokenizer.lines };
}

/**
 * Tokenises an in-memory text with the same rules as {@link tokenizeFile}.
 * @example
 * ```ts
 * tokenizeText('a b\n\nb c\n', new Vocabulary()).ids; // [0, 1, 2, 2, 1, 3, 2]
 * ```
 */
export function tokenizeText(
  text: string,
  vocab: Vocabulary,
  options: Omit<TokenizeOptions, 'onBytes' | 'chunkBytes'> = {},
): TokenizedText {
  const tokenizer = new LineTokenizer(vocab, options.frozen ?? false, options.transformLine, options.unknownWord);
  tokenizer.feed(Buffer.from(text, 'utf8'), true);
  return { ids: tokenizer.out.finish(), lines: tokenizer.lines };
}

/** Length of the longest prefix of `buf[0, have)` that ends at a line end known to be complete. */
function lastLineEnd(buf: Uint8Array, have: number): number {
  for (let i = have - 1; i >= 0; i--) {
    const b = buf[i];
    if (b === 10) return i + 1;
    // A trailing \r may be the first half of \r\n: wait for the next byte.
    if (b === 13 && i < have - 1) return i + 1;
  }
  return 0;
}
