/**
 * A word-level vocabulary: ids in first-seen order, as the official `data.py` assigns them.
 * @module
 */
import { DatasetError } from '../errors.js';
import { ByteIndex } from './byte-index.js';

/** The end-of-line token appended to every line. */
export const EOS = '<eos>';
/** The unknown-word token (already a word of WikiText-103). */
export const UNK = '<unk>';

/**
 * Words and their ids. Ids are dense, `0..size-1`, in the order words were first added.
 * @example
 * ```ts
 * const vocab = new Vocabulary(['the', '<eos>']);
 * vocab.id('the');      // 0
 * vocab.add('cat');     // 2
 * vocab.word(2);        // 'cat'
 * ```
 */
export class Vocabulary {
  private readonly list: string[] = [];
  private readonly index = new Map<string, number>();
  private bytes: ByteIndex | null = null;

  /** @param words initial words, given ids in order; a repeated word is an error. */
  constructor(words: Iterable<string> = []) {
    for (const w of words) {
      if (this.index.has(w)) throw new DatasetError(`vocabulary: the word ${JSON.stringify(w)} appears twice`);
      this.add(w);
    }
  }

  /** Number of words. */
  get size(): number {
    return this.list.length;
  }

  /** All words, by id. */
  get words(): readonly string[] {
    return this.list;
  }

  /** The id of `word`, or `undefined` when it is not in the vocabulary. */
  lookup(word: string): number | undefined {
    return this.index.get(word);
  }

  /** The id of `word`; throws a {@link DatasetError} when it is not in the vocabulary. */
  id(word: string): number {
    const id = this.index.get(word);
    if (id === undefined) throw new DatasetError(`vocabulary: no word ${JSON.stringify(word)}`);
    return id;
  }

  /** The word with id `id`. */
  word(id: number): string {
    const w = this.list[id];
    if (w === undefined) throw new DatasetError(`vocabulary: id ${id} is outside 0..${this.list.length - 1}`);
    return w;
  }

  /** Adds `word` if new and returns its id. */
  add(word: string): number {
    const known = this.index.get(word);
    if (known !== undefined) return known;
    // Copy the key so a substring does not pin the whole chunk of text it was cut from.
    const own = flatCopy(word);
    const id = this.list.length;
    this.list.push(own);
    this.index.set(own, id);
    this.bytes?.insert(Buffer.from(own, 'utf8'));
    return id;
  }

  /** The words as UTF-8 byte strings, for lookups straight from file bytes; built on first use, then kept in step. */
  byteIndex(): ByteIndex {
    if (this.bytes === null) {
      this.bytes = new ByteIndex();
      for (const w of this.list) this.bytes.insert(Buffer.from(w, 'utf8'));
    }
    return this.bytes;
  }

  /** The id of {@link EOS}. */
  get eosId(): number {
    return this.id(EOS);
  }

  /** The id of {@link UNK}. */
  get unkId(): number {
    return this.id(UNK);
  }
}

function flatCopy(s: string): string {
  // Browsers have no Buffer (and read no large files through here): keep the string as it is.
  return s.length < 13 || typeof Buffer === 'undefined' ? s : Buffer.from(s, 'utf8').toString('utf8');
}
