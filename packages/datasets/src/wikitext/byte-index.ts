/**
 * An open-addressing hash table from UTF-8 byte strings to dense ids, so the tokeniser can look words up
 * straight from the file's bytes without creating a JS string per token (the hot path of a 103M-token
 * corpus). Hash: 32-bit FNV-1a, computed by the caller while it scans the bytes.
 * @module
 */

/** FNV-1a offset basis: the hash of the empty string. */
export const FNV_OFFSET = 0x811c9dc5 | 0;
/** FNV-1a prime: `h = Math.imul(h ^ byte, FNV_PRIME)` per byte. */
export const FNV_PRIME = 16777619;

/** FNV-1a of `bytes[start, end)`. */
export function fnv1a(bytes: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, FNV_PRIME);
  return h;
}

/** Byte strings and their ids `0..size-1`, in insertion order. */
export class ByteIndex {
  private arena = new Uint8Array(1 << 16);
  private used = 0;
  // Per id: [start in arena, byte length]. Per slot: [id + 1 (0 = empty), hash], side by side so one
  // probe touches one cache line.
  private spans = new Int32Array(2 << 10);
  private table = new Int32Array(2 << 12);
  private mask = (1 << 12) - 1;
  /** Number of byte strings stored. */
  size = 0;

  /** The id of `bytes[start, end)` whose FNV-1a hash is `hash`, or -1. */
  find(bytes: Uint8Array, start: number, end: number, hash: number): number {
    const len = end - start;
    const table = this.table;
    for (let slot = mix(hash) & this.mask; ; slot = (slot + 1) & this.mask) {
      const entry = table[2 * slot]!;
      if (entry === 0) return -1;
      if (table[2 * slot + 1] !== hash) continue;
      const id = entry - 1;
      if (this.spans[2 * id + 1] !== len) continue;
      const at = this.spans[2 * id]!;
      let k = 0;
      while (k < len && this.arena[at + k] === bytes[start + k]) k++;
      if (k === len) return id;
    }
  }

  /** Adds a byte string known to be absent; returns its id. */
  insert(bytes: Uint8Array): number {
    const hash = fnv1a(bytes, 0, bytes.length);
    const id = this.size++;
    if (2 * id === this.spans.length) this.spans = grow(this.spans);
    while (this.used + bytes.length > this.arena.length) this.arena = grow(this.arena);
    this.arena.set(bytes, this.used);
    this.spans[2 * id] = this.used;
    this.spans[2 * id + 1] = bytes.length;
    this.used += bytes.length;
    // Keep the load factor at most 1/2.
    if (2 * this.size > this.mask + 1) this.rehash();
    this.place(id, hash);
    return id;
  }

  private place(id: number, hash: number): void {
    let slot = mix(hash) & this.mask;
    while (this.table[2 * slot] !== 0) slot = (slot + 1) & this.mask;
    this.table[2 * slot] = id + 1;
    this.table[2 * slot + 1] = hash;
  }

  private rehash(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2);
    this.mask = this.table.length / 2 - 1;
    for (let slot = 0; slot < old.length; slot += 2) if (old[slot] !== 0) this.place(old[slot]! - 1, old[slot + 1]!);
  }
}

/** Spreads FNV's weak low bits before masking to a power-of-two table. */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return h ^ (h >>> 16);
}

function grow<T extends Int32Array | Uint8Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}
