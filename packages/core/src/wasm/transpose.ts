/**
 * Cache-blocked 2-D transposes over heap views, used to materialise the operands the fast matMul path needs.
 * @module
 */

const BLOCK = 16;

/**
 * Writes the transpose of the `rows × cols` row-major matrix at `src[srcStart]` to `dst[dstStart]` (`cols × rows`).
 * The two ranges must not overlap.
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
  for (let i0 = 0; i0 < rows; i0 += BLOCK) {
    const i1 = Math.min(i0 + BLOCK, rows);
    for (let j0 = 0; j0 < cols; j0 += BLOCK) {
      const j1 = Math.min(j0 + BLOCK, cols);
      for (let j = j0; j < j1; j++) {
        const d = dstStart + j * rows;
        for (let i = i0; i < i1; i++) dst[d + i] = src[srcStart + i * cols + j]!;
      }
    }
  }
}
