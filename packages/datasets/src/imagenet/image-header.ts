/**
 * Image size from the file header (JPEG SOF marker, PNG IHDR) without a round trip to sharp, so that a
 * decode needs one asynchronous step after the read: fewer turns of the event loop per image means more
 * decoding proceeds while the main thread is busy with a training step.
 * @module
 */

/** An image's size in pixels. */
export interface Dimensions {
  /** Columns. */
  width: number;
  /** Rows. */
  height: number;
}

/**
 * Width and height of a JPEG or PNG from its header bytes, or `undefined` for another format or a header
 * that cannot be parsed (the caller then asks sharp).
 * @example
 * ```ts
 * imageDimensions(await readFile('x.JPEG')); // { width: 500, height: 375 }
 * ```
 */
export function imageDimensions(bytes: Uint8Array): Dimensions | undefined {
  const u16 = (i: number) => (bytes[i]! << 8) | bytes[i + 1]!;
  const u32 = (i: number) => ((u16(i) << 16) | u16(i + 2)) >>> 0;
  if (bytes.length >= 24 && u32(0) === 0x89504e47 && u32(12) === 0x49484452) return { width: u32(16), height: u32(20) };
  if (bytes.length < 4 || u16(0) !== 0xffd8) return undefined;
  let i = 2;
  while (i + 9 <= bytes.length) {
    if (bytes[i] !== 0xff) return undefined;
    const marker = bytes[i + 1]!;
    if (marker === 0xff) {
      i++; // fill byte
    } else if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      i += 2; // markers without a length
    } else if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const [height, width] = [u16(i + 5), u16(i + 7)]; // SOFn: length, precision, height, width
      return width > 0 && height > 0 ? { width, height } : undefined;
    } else {
      i += 2 + u16(i + 2);
    }
  }
  return undefined;
}
