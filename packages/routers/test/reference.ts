/**
 * Naive float64 references, written with plain loops over tokens, independent of the package's code.
 */
export type Matrix = number[][];

export function linear(x: Matrix, w: Matrix, b?: number[]): Matrix {
  return x.map((row) =>
    w[0]!.map((_, e) => row.reduce((acc, xi, i) => acc + xi * w[i]![e]!, b === undefined ? 0 : b[e]!)),
  );
}

export function logSumExp(v: number[]): number {
  const m = Math.max(...v);
  return m + Math.log(v.reduce((a, x) => a + Math.exp(x - m), 0));
}

export function softmax(v: number[]): number[] {
  const l = logSumExp(v);
  return v.map((x) => Math.exp(x - l));
}

/** Indices of the k largest, descending, ties to the lower index. */
export function topk(v: number[], k: number): number[] {
  return v
    .map((x, i) => [x, i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, k)
    .map((p) => p[1]);
}

/** erf in float64: Taylor series near 0, continued fraction for erfc beyond. */
export function erf(x: number): number {
  if (x < 0) return -erf(-x);
  if (x < 2.5) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 80; n++) {
      term *= (-x * x) / n;
      sum += term / (2 * n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = x;
  for (let n = 60; n >= 1; n--) f = x + n / 2 / f;
  return 1 - Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

export const normalCdf = (z: number): number => 0.5 * (1 + erf(z / Math.SQRT2));

const real = (mask: number[] | undefined, t: number) => mask === undefined || mask[t] !== 0;

export function meanOverReal(rows: Matrix, mask?: number[]): number[] {
  const n = Math.max(rows.filter((_, t) => real(mask, t)).length, 1);
  return rows[0]!.map((_, e) => rows.reduce((a, r, t) => a + (real(mask, t) ? r[e]! : 0), 0) / n);
}

export function squaredCv(v: number[]): number {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
  return variance / mean ** 2;
}

export function switchBalance(probs: Matrix, indices: number[][], mask?: number[]): number {
  const E = probs[0]!.length;
  const f = meanOverReal(
    indices.map((row) => Array.from({ length: E }, (_, e) => (row[0] === e ? 1 : 0))),
    mask,
  );
  const p = meanOverReal(probs, mask);
  return E * f.reduce((a, fe, e) => a + fe * p[e]!, 0);
}

export function smoeBalance(probs: Matrix, indices: number[][], mask?: number[]): number {
  const E = probs[0]!.length;
  const k = indices[0]!.length;
  let n = 0;
  const count = new Array<number>(E).fill(0);
  const mass = new Array<number>(E).fill(0);
  probs.forEach((row, t) => {
    if (!real(mask, t)) return;
    n++;
    for (const e of indices[t]!) count[e]! += 1;
    row.forEach((p, e) => (mass[e]! += p));
  });
  const slots = Math.max(n, 1) * k;
  return E * count.reduce((a, c, e) => a + (c / slots) * (mass[e]! / slots), 0);
}

export function zLoss(logits: Matrix, mask?: number[]): number {
  return meanOverReal(
    logits.map((row) => [logSumExp(row) ** 2]),
    mask,
  )[0]!;
}

export function importance(probs: Matrix, mask?: number[]): number {
  const E = probs[0]!.length;
  const sum = Array.from({ length: E }, (_, e) => probs.reduce((a, r, t) => a + (real(mask, t) ? r[e]! : 0), 0));
  return squaredCv(sum);
}

export function load(logits: Matrix, noisy: Matrix, k: number, sigma: number, mask?: number[]): number {
  const p = logits.map((row, t) => {
    const threshold = noisy[t]![topk(noisy[t]!, k)[k - 1]!]!;
    return row.map((l) => 1 - normalCdf((threshold - l) / sigma));
  });
  return squaredCv(meanOverReal(p, mask));
}

export function entropy(probs: Matrix, mask?: number[]): number {
  return meanOverReal(
    probs.map((r) => [-r.reduce((a, p) => a + (p > 0 ? p * Math.log(p) : 0), 0)]),
    mask,
  )[0]!;
}

/** Buffers filled round by round (all first choices, then all second choices), tokens in `order`. */
export function fill(indices: number[][], E: number, capacity: number, order: number[], mask?: number[]): number[][] {
  const kept = indices.map((row) => row.map(() => 0));
  const load = new Array<number>(E).fill(0);
  for (let j = 0; j < indices[0]!.length; j++) {
    for (const t of order) {
      if (!real(mask, t)) continue;
      const e = indices[t]![j]!;
      if (load[e]! < capacity) {
        load[e]! += 1;
        kept[t]![j] = 1;
      }
    }
  }
  return kept;
}

/** Central finite differences of `f` at every entry of `params` (float64). */
export function numericGrad(f: (p: number[]) => number, params: number[], eps = 1e-6): number[] {
  return params.map((_, i) => {
    const up = params.slice();
    const down = params.slice();
    up[i]! += eps;
    down[i]! -= eps;
    return (f(up) - f(down)) / (2 * eps);
  });
}

/** Reshapes a flat row-major array into rows of `cols`. */
export function rows(flat: ArrayLike<number>, cols: number): Matrix {
  return Array.from({ length: flat.length / cols }, (_, r) => Array.from(flat).slice(r * cols, (r + 1) * cols));
}

/** Largest |a − b| relative to max(1, |b|). */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return m;
}
