/**
 * Independent float64 references: plain loops over tokens, no tfjs ops. Used by the tests only.
 */
import type * as tf from '@tensorflow/tfjs';

/** An expert bank's weights as float64 arrays (row-major, shapes as in ExpertBank). */
export interface BankWeights {
  e: number;
  dIn: number;
  dHidden: number;
  dOut: number;
  w1: Float64Array; // [E, dIn, dHidden]
  b1: Float64Array; // [E, dHidden]
  w2: Float64Array; // [E, dHidden, dOut]
  b2: Float64Array; // [E, dOut]
  activation: 'relu' | 'gelu';
}

export function readBank(bank: {
  experts: number;
  dIn: number;
  dHidden: number;
  dOut: number;
  activation: 'relu' | 'gelu';
  w1: tf.Tensor;
  b1: tf.Tensor;
  w2: tf.Tensor;
  b2: tf.Tensor;
}): BankWeights {
  const f = (t: tf.Tensor) => Float64Array.from(t.dataSync());
  return {
    e: bank.experts,
    dIn: bank.dIn,
    dHidden: bank.dHidden,
    dOut: bank.dOut,
    w1: f(bank.w1),
    b1: f(bank.b1),
    w2: f(bank.w2),
    b2: f(bank.b2),
    activation: bank.activation,
  };
}

/** erf by Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7). */
export function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const p = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return s * (1 - p * Math.exp(-a * a));
}

/** Expert e on one row: Linear → act → Linear, float64. */
export function expertRow(w: BankWeights, e: number, x: ArrayLike<number>): Float64Array {
  const h = new Float64Array(w.dHidden);
  for (let j = 0; j < w.dHidden; j++) {
    let s = w.b1[e * w.dHidden + j]!;
    for (let i = 0; i < w.dIn; i++) s += x[i]! * w.w1[(e * w.dIn + i) * w.dHidden + j]!;
    h[j] = w.activation === 'relu' ? Math.max(0, s) : 0.5 * s * (1 + erf(s / Math.SQRT2));
  }
  const out = new Float64Array(w.dOut);
  for (let o = 0; o < w.dOut; o++) {
    let s = w.b2[e * w.dOut + o]!;
    for (let j = 0; j < w.dHidden; j++) s += h[j]! * w.w2[(e * w.dHidden + j) * w.dOut + o]!;
    out[o] = s;
  }
  return out;
}

const row = (x: ArrayLike<number>, t: number, d: number) => Array.from({ length: d }, (_, i) => x[t * d + i]!);

/** Token choice: y[t] = Σ_j kept·weight · expert_{idx}(x[t]). */
export function tokenChoiceRef(
  w: BankWeights,
  x: ArrayLike<number>,
  t: number,
  k: number,
  indices: ArrayLike<number>,
  weights: ArrayLike<number>,
  kept: ArrayLike<number>,
): Float64Array {
  const y = new Float64Array(t * w.dOut);
  for (let n = 0; n < t; n++) {
    for (let j = 0; j < k; j++) {
      const a = n * k + j;
      if (kept[a] === 0) continue;
      const out = expertRow(w, indices[a]!, row(x, n, w.dIn));
      for (let o = 0; o < w.dOut; o++) y[n * w.dOut + o]! += weights[a]! * out[o]!;
    }
  }
  return y;
}

/** Expert choice: y[tok[e,c]] += weight[e,c] · expert_e(x[tok[e,c]]). */
export function expertChoiceRef(
  w: BankWeights,
  x: ArrayLike<number>,
  t: number,
  c: number,
  tokens: ArrayLike<number>,
  weights: ArrayLike<number>,
): Float64Array {
  const y = new Float64Array(t * w.dOut);
  for (let e = 0; e < w.e; e++) {
    for (let s = 0; s < c; s++) {
      const n = tokens[e * c + s]!;
      const out = expertRow(w, e, row(x, n, w.dIn));
      for (let o = 0; o < w.dOut; o++) y[n * w.dOut + o]! += weights[e * c + s]! * out[o]!;
    }
  }
  return y;
}

/** Soft MoE: slot = Σ_t dispatch[t, slot]·x[t]; y[t] = Σ_slot combine[t, slot]·expert(slot). */
export function softRef(
  w: BankWeights,
  x: ArrayLike<number>,
  t: number,
  slotsPerExpert: number,
  dispatch: ArrayLike<number>,
  combine: ArrayLike<number>,
): Float64Array {
  const m = w.e * slotsPerExpert;
  const y = new Float64Array(t * w.dOut);
  for (let s = 0; s < m; s++) {
    const slot = new Float64Array(w.dIn);
    for (let n = 0; n < t; n++) for (let i = 0; i < w.dIn; i++) slot[i]! += dispatch[n * m + s]! * x[n * w.dIn + i]!;
    const out = expertRow(w, Math.floor(s / slotsPerExpert), slot);
    for (let n = 0; n < t; n++) for (let o = 0; o < w.dOut; o++) y[n * w.dOut + o]! += combine[n * m + s]! * out[o]!;
  }
  return y;
}

/** Central finite differences of `f` (float64) with respect to every entry of `v` (modified in place, restored). */
export function finiteDiff(f: () => number, v: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const old = v[i]!;
    v[i] = old + h;
    const up = f();
    v[i] = old - h;
    const down = f();
    v[i] = old;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

/** max |a − b| / (1 + |b|) over entries. */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  return m;
}

/** Σ y·r. */
export function dot(y: ArrayLike<number>, r: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i]! * r[i]!;
  return s;
}
