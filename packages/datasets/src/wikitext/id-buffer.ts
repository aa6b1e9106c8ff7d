/**
 * A growable list of int32 ids kept as fixed-size blocks, so growth never copies what is already stored
 * (a 103M-token corpus would otherwise pass through 2x-sized reallocations).
 * @module
 */

const BLOCK = 1 << 20;

/** Appends ids block by block; {@link IdBuffer.finish} joins them once. */
export class IdBuffer {
  private readonly full: Int32Array[] = [];
  private block = new Int32Array(BLOCK);
  private used = 0;

  /** Number of ids pushed. */
  get length(): number {
    return this.full.length * BLOCK + this.used;
  }

  /** Appends one id. */
  push(id: number): void {
    if (this.used === BLOCK) {
      this.full.push(this.block);
      this.block = new Int32Array(BLOCK);
      this.used = 0;
    }
    this.block[this.used++] = id;
  }

  /** All ids in one exact-length array. */
  finish(): Int32Array {
    const out = new Int32Array(this.length);
    let at = 0;
    for (const b of this.full) {
      out.set(b, at);
      at += BLOCK;
    }
    out.set(this.block.subarray(0, this.used), at);
    return out;
  }
}
