/**
 * Grouped matrix products, the compute of a dropless MoE layer (megablocks' `gmm`): rows of `x` come in groups,
 * back to back, and group g is multiplied by its own matrix `w[g]`. Differentiable in `x`, `w` and the bias.
 *
 * On the wasm backend each group is one call of our SIMD kernel on the tensors in place; elsewhere each group is a
 * slice and a `tf.matMul`. Both compute the same thing (tested against each other and against float64 loops).
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, ShapeError } from './errors.js';
import {
  GROUPED_MAT_MUL,
  GROUPED_WEIGHT_GRAD,
  type GroupedAttrs,
  groupedKernelsUsable,
} from './wasm/grouped-matmul.js';

/** Options of {@link groupedMatMul}. */
export interface GroupedMatMulOptions {
  /** `[E, M]`: row g is added to every output row of group g. */
  bias?: tf.Tensor2D;
  /** `w` is `[E, M, K]` and each group uses `w[g]ᵀ`; default false (`w` is `[E, K, M]`). */
  transposeW?: boolean;
}

function checkCounts(counts: readonly number[], groups: number, rows: number, what: string): void {
  if (counts.length !== groups || counts.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new ConfigError(
      `${what}: counts must be ${groups} non-negative integers (one per group), got [${counts.join(', ')}]`,
    );
  }
  const total = counts.reduce((s, n) => s + n, 0);
  if (total !== rows) throw new ConfigError(`${what}: counts sum to ${total}, but x has ${rows} rows`);
}

function groupSlices<T>(counts: readonly number[], f: (start: number, n: number, g: number) => T): T[] {
  let start = 0;
  return counts.map((n, g) => {
    const out = f(start, n, g);
    start += n;
    return out;
  });
}

/** The forward product alone (no gradient): the wasm kernel where usable, else per-group slices and matMuls. */
function forward(
  x: tf.Tensor2D,
  w: tf.Tensor3D,
  counts: readonly number[],
  transposeW: boolean,
  bias?: tf.Tensor2D,
): tf.Tensor2D {
  const attrs: GroupedAttrs = { counts: [...counts], transposeW };
  if (groupedKernelsUsable()) {
    const inputs: tf.NamedTensorMap = bias ? { x, w, bias } : { x, w };
    return tf.engine().runKernel(GROUPED_MAT_MUL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor2D;
  }
  return tf.tidy(() => {
    const [, k] = x.shape;
    const m = transposeW ? w.shape[1] : w.shape[2];
    const parts = groupSlices(counts, (start, n, g) => {
      if (n === 0) return null;
      const wg = tf.reshape(tf.slice(w, [g, 0, 0], [1, -1, -1]), transposeW ? [m, k] : [k, m]) as tf.Tensor2D;
      const y = tf.matMul(tf.slice(x, [start, 0], [n, k]), wg, false, transposeW); // [n, m]
      return bias ? tf.add(y, tf.slice(bias, [g, 0], [1, m])) : y;
    }).filter((t): t is tf.Tensor2D => t !== null);
    if (parts.length === 0) return tf.zeros([0, m]);
    return parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
  }) as tf.Tensor2D;
}

/**
 * `out[g] = a[rows of g]ᵀ · b[rows of g]` for every group (zeros for an empty one): the weight gradient of
 * {@link groupedMatMul}.
 * @param a `[N, P]`, @param b `[N, Q]`, groups of rows back to back with `counts[g]` rows in group g.
 * @returns `[E, P, Q]` with `E = counts.length`.
 * @example
 * ```ts
 * const dw = groupedWeightGrad(x, dy, [3, 0, 5]); // x: [8, 4], dy: [8, 6] -> dw: [3, 4, 6]
 * ```
 */
export function groupedWeightGrad(a: tf.Tensor2D, b: tf.Tensor2D, counts: readonly number[]): tf.Tensor3D {
  if (a.rank !== 2 || b.rank !== 2 || a.shape[0] !== b.shape[0]) {
    throw new ShapeError(
      'groupedWeightGrad: a [N, P] and b [N, Q] with the same rows',
      [null, null],
      a.rank === 2 ? b.shape : a.shape,
    );
  }
  if (a.dtype !== 'float32' || b.dtype !== 'float32')
    throw new ConfigError(`groupedWeightGrad: float32 only, got ${a.dtype} and ${b.dtype}`);
  checkCounts(counts, counts.length, a.shape[0], 'groupedWeightGrad');
  const [, p] = a.shape;
  const [, q] = b.shape;
  if (groupedKernelsUsable()) {
    const attrs: GroupedAttrs = { counts: [...counts] };
    return tf.engine().runKernel(GROUPED_WEIGHT_GRAD, { a, b }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor3D;
  }
  return tf.tidy(() =>
    tf.stack(
      groupSlices(counts, (start, n) =>
        n === 0
          ? tf.zeros([p, q])
          : tf.matMul(tf.slice(a, [start, 0], [n, p]), tf.slice(b, [start, 0], [n, q]), true, false),
      ),
    ),
  ) as tf.Tensor3D;
}

/** Sum of the rows of each group: `[N, M]` → `[E, M]` (the bias gradient). */
function groupSums(dy: tf.Tensor2D, counts: readonly number[]): tf.Tensor2D {
  const ids = new Int32Array(dy.shape[0]);
  groupSlices(counts, (start, n, g) => ids.fill(g, start, start + n));
  return tf.tidy(() => tf.unsortedSegmentSum(dy, tf.tensor1d(ids, 'int32'), counts.length));
}

/**
 * `y[rows of g] = x[rows of g] · w[g] (+ bias[g])`, groups of rows back to back, `counts[g]` rows in group g.
 * Empty groups cost nothing. Gradients: `dx` is a grouped product with `w[g]ᵀ`, `dw` is {@link groupedWeightGrad},
 * `dbias` the row sums of each group.
 * @param x `[N, K]`, rows sorted by group.
 * @param w `[E, K, M]` (or `[E, M, K]` with `transposeW`).
 * @returns `[N, M]`.
 * @example
 * ```ts
 * // 2 experts: rows 0-2 use w[0], rows 3-4 use w[1]
 * const y = groupedMatMul(tf.ones([5, 4]), tf.ones([2, 4, 6]), [3, 2], { bias: tf.zeros([2, 6]) }); // [5, 6]
 * ```
 */
export function groupedMatMul(
  x: tf.Tensor2D,
  w: tf.Tensor3D,
  counts: readonly number[],
  options: GroupedMatMulOptions = {},
): tf.Tensor2D {
  const { bias, transposeW = false } = options;
  if (x.rank !== 2) throw new ShapeError('groupedMatMul input x', [null, null], x.shape);
  if (w.rank !== 3) throw new ShapeError('groupedMatMul weights w (one matrix per group)', [null, null, null], w.shape);
  const [e, wRows, wCols] = w.shape;
  const [k, m] = transposeW ? [wCols, wRows] : [wRows, wCols];
  if (x.shape[1] !== k) {
    throw new ShapeError(
      `groupedMatMul: x's width must be the weights' input size ${k}${transposeW ? ' (w is used transposed)' : ''}`,
      [null, k],
      x.shape,
    );
  }
  if (bias && (bias.rank !== 2 || bias.shape[0] !== e || bias.shape[1] !== m))
    throw new ShapeError('groupedMatMul bias', [e, m], bias.shape);
  if (x.dtype !== 'float32' || w.dtype !== 'float32')
    throw new ConfigError(`groupedMatMul: float32 only, got ${x.dtype} and ${w.dtype}`);
  checkCounts(counts, e, x.shape[0], 'groupedMatMul');

  const gradient = (dy: tf.Tensor2D, xIn: tf.Tensor2D, wIn: tf.Tensor3D): tf.Tensor[] => [
    groupedMatMul(dy, wIn, counts, { transposeW: !transposeW }), // dx [N, K]
    transposeW ? groupedWeightGrad(dy, xIn, counts) : groupedWeightGrad(xIn, dy, counts), // dw, w's layout
  ];
  if (bias) {
    const op = tf.customGrad((xIn, wIn, bIn, save) => {
      (save as tf.GradSaveFunc)([xIn as tf.Tensor, wIn as tf.Tensor]);
      return {
        value: forward(xIn as tf.Tensor2D, wIn as tf.Tensor3D, counts, transposeW, bIn as tf.Tensor2D),
        gradFunc: (dy: tf.Tensor, [xs, ws]: tf.Tensor[]) => [
          ...gradient(dy as tf.Tensor2D, xs as tf.Tensor2D, ws as tf.Tensor3D),
          groupSums(dy as tf.Tensor2D, counts),
        ],
      };
    });
    return op(x, w, bias) as tf.Tensor2D;
  }
  const op = tf.customGrad((xIn, wIn, save) => {
    (save as tf.GradSaveFunc)([xIn as tf.Tensor, wIn as tf.Tensor]);
    return {
      value: forward(xIn as tf.Tensor2D, wIn as tf.Tensor3D, counts, transposeW),
      gradFunc: (dy: tf.Tensor, [xs, ws]: tf.Tensor[]) =>
        gradient(dy as tf.Tensor2D, xs as tf.Tensor2D, ws as tf.Tensor3D),
    };
  });
  return op(x, w) as tf.Tensor2D;
}
