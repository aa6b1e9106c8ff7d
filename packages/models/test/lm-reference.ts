/** Float64 loop implementations of the official model, independent of the tensor code under test. */
import type * as tf from '@tensorflow/tfjs';

/** A float64 matrix as nested arrays. */
export type Mat = number[][];
export const matmul = (a: Mat, w: Mat): Mat =>
  a.map((row) => w[0]!.map((_, j) => row.reduce((s, x, k) => s + x * w[k]![j]!, 0)));
export const toMat = (t: tf.Tensor): Mat => t.arraySync() as Mat;

/**
 * The official relative attention as plain float64 loops (models.py SeqAttention): query i of the block sits at
 * position L+i of [cache; block] and attends to positions i … i+L−1 (the L before it), offset j pairing with
 * key_pe[:, j]; score = (q·k + q·pe) / √D; softmax; weighted sum of values.
 */
export function naiveAttention(h: Mat, cache: Mat, pe: Mat, w: { q: Mat; k: Mat; v: Mat; o: Mat }, heads: number): Mat {
  const all = [...cache, ...h];
  const l = cache.length;
  const hidden = h[0]!.length;
  const d = hidden / heads;
  const q = matmul(h, w.q);
  const k = matmul(all, w.k);
  const v = matmul(all, w.v);
  const merged: Mat = h.map(() => new Array<number>(hidden).fill(0));
  for (let head = 0; head < heads; head++) {
    const cols = Array.from({ length: d }, (_, c) => head * d + c);
    for (let i = 0; i < h.length; i++) {
      const scores = Array.from({ length: l }, (_, j) => {
        let s = 0;
        for (let c = 0; c < d; c++) s += q[i]![cols[c]!]! * k[i + j]![cols[c]!]! + q[i]![cols[c]!]! * pe[c]![j]!;
        return s / Math.sqrt(d);
      });
      const mx = Math.max(...scores);
      const ex = scores.map((s) => Math.exp(s - mx));
      const z = ex.reduce((a, b) => a + b, 0);
      for (let j = 0; j < l; j++)
        for (let c = 0; c < d; c++) merged[i]![cols[c]!]! += (ex[j]! / z) * v[i + j]![cols[c]!]!;
    }
  }
  return matmul(merged, w.o);
}

/** LayerNorm of each row, eps 1e-5, biased variance. */
export function layerNorm(x: Mat, w: number[], b: number[]): Mat {
  return x.map((row) => {
    const mean = row.reduce((a, v) => a + v, 0) / row.length;
    const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / row.length;
    return row.map((v, c) => ((v - mean) / Math.sqrt(variance + 1e-5)) * w[c]! + b[c]!);
  });
}

const add = (a: Mat, b: Mat, s = 1): Mat => a.map((row, i) => row.map((v, c) => v + s * b[i]![c]!));
const scale = (a: Mat, s: number): Mat => a.map((row) => row.map((v) => v * s));

/** The SMoE gate and experts: top-k of x·Wg + bg, softmax over the k chosen logits, Σ g·expert(x). */
export function naiveMoe(x: Mat, p: Map<string, unknown>, prefix: string, topK: number): Mat {
  const wg = p.get(`${prefix}.gate.weight`) as Mat;
  const bg = p.get(`${prefix}.gate.bias`) as number[];
  const w1 = p.get(`${prefix}.experts.w1`) as Mat[];
  const b1 = p.get(`${prefix}.experts.b1`) as Mat;
  const w2 = p.get(`${prefix}.experts.w2`) as Mat[];
  const b2 = p.get(`${prefix}.experts.b2`) as Mat;
  return x.map((row) => {
    const logits = matmul([row], wg)[0]!.map((v, e) => v + bg[e]!);
    const chosen = logits
      .map((v, e) => [v, e] as const)
      .sort((a, b) => b[0] - a[0])
      .slice(0, topK);
    const mx = chosen[0]![0];
    const z = chosen.reduce((a, [v]) => a + Math.exp(v - mx), 0);
    const out = new Array<number>(row.length).fill(0);
    for (const [v, e] of chosen) {
      const hidden = matmul([row], w1[e]!)[0]!.map((u, j) => Math.max(0, u + b1[e]![j]!));
      const y = matmul([hidden], w2[e]!)[0]!.map((u, c) => u + b2[e]![c]!);
      y.forEach((u, c) => (out[c]! += (Math.exp(v - mx) / z) * u));
    }
    return out;
  });
}

/** Hyper-parameters the reference rules read. */
export interface ReferenceConfig {
  arch: string;
  base: 'transformer' | 'glam';
  heads: number;
  topK: number;
  mu: number;
  gamma1: number;
  gamma2: number;
  beta1: number;
  beta2: number;
  kappa: number;
  rho: number;
}

/** Sees each MoE layer: the points the experts were evaluated at and the rule's state after it (none for `g`). */
export type LayerObserver = (layer: number, points: Mat[], state: Mat[]) => void;

/**
 * The official TransformerSeq forward for one stream (docs/paper-notes.md#the-language-model-backbone,
 * #heavy-ball-sign-convention, #adam-in-layer-0; `r` is our robust-momentum layer), with zero momentum state at the
 * block start. ids: [M], cache: one [L][H] per layer → log-probabilities [M][V].
 */
export function naiveLm(
  ids: number[],
  cache: Mat[],
  p: Map<string, unknown>,
  c: ReferenceConfig,
  observe?: LayerObserver,
): Mat {
  const embedding = p.get('in_emb.weight') as Mat;
  let h: Mat = ids.map((id) => [...embedding[id]!]);
  const pe = (p.get('key_pe') as Mat[])[0]!;
  const zeros = (): Mat => h.map((row) => row.map(() => 0));
  let mom = zeros();
  let adamP = zeros();
  let adamV = zeros();
  const per = c.base === 'glam' ? 4 : 2;
  const layers = c.arch.length / 2;
  for (let i = 0; i < layers; i++) {
    const kind = c.arch[2 * i + 1]!;
    const layerth = Math.floor((2 * i) / per);
    const l = `layers.${i}`;
    const ln = (name: string, x: Mat) =>
      layerNorm(x, p.get(`${l}.${name}.weight`) as number[], p.get(`${l}.${name}.bias`) as number[]);
    const w = {
      q: p.get(`${l}.attn.proj_query.weight`) as Mat,
      k: p.get(`${l}.attn.proj_key.weight`) as Mat,
      v: p.get(`${l}.attn.proj_val.weight`) as Mat,
      o: p.get(`${l}.attn.proj_out.weight`) as Mat,
    };
    const h1 = ln('norm1', add(h, naiveAttention(h, cache[i]!, pe, w, c.heads)));
    const points: Mat[] = [];
    const f = (x: Mat) => {
      points.push(x);
      return naiveMoe(x, p, `${l}.smoe`, c.topK);
    };
    let out: Mat;
    if (kind === 'f') {
      const fc = (name: string, x: Mat) =>
        matmul(x, p.get(`${l}.ff.${name}.weight`) as Mat).map((row) =>
          row.map((v, j) => v + (p.get(`${l}.ff.${name}.bias`) as number[])[j]!),
        );
      out = ln(
        'norm3',
        add(
          h1,
          fc(
            'fc2',
            fc('fc1', h1).map((row) => row.map((v) => Math.max(0, v))),
          ),
        ),
      );
    } else {
      let s: Mat;
      if (kind === 'g') s = ln('smoe.layer_norm', add(h1, f(h1)));
      else if (kind === 'm' || (kind === 'a' && layerth > 0)) {
        mom = add(scale(mom, c.mu), scale(f(h1), c.gamma2));
        s = ln('smoe.layer_norm', add(h1, mom, -1));
      } else if (kind === 'a') {
        const fx = f(h1);
        mom = add(scale(mom, c.mu), scale(fx, c.gamma2));
        adamP = add(scale(adamP, c.beta1), scale(fx, 1 - c.beta1));
        adamV = add(
          scale(adamV, c.beta2),
          fx.map((row) => row.map((v) => (1 - c.beta2) * v * v)),
        );
        const adam = adamP.map((row, t) =>
          row.map((v, j) => (c.gamma1 / Math.sqrt(adamV[t]![j]! + 1e-8)) * v + h1[t]![j]!),
        );
        s = ln('smoe.layer_norm', add(h1, adam, -1));
      } else {
        const { kappa: k, rho: r } = c;
        const a = (k * (1 - r) ** 2 * (1 + r)) / 1;
        const b = (k * r ** 3) / (k - 1);
        const cc = r ** 3 / ((k - 1) * (1 - r) ** 2 * (1 + r));
        const fy = f(add(h1, mom, cc * a));
        mom = add(scale(mom, b), fy, -1);
        s = ln('smoe.layer_norm', add(h1, mom, a));
      }
      out = ln('norm2', add(h1, s));
      observe?.(i, points, kind === 'g' ? [] : kind === 'a' ? [adamP, adamV, mom] : [mom]);
    }
    h = out;
  }
  const logits = matmul(h, p.get('out_emb.weight') as Mat).map((row) =>
    row.map((v, j) => v + (p.get('out_emb.bias') as number[])[j]!),
  );
  return logits.map((row) => {
    const mx = Math.max(...row);
    const lse = mx + Math.log(row.reduce((a, v) => a + Math.exp(v - mx), 0));
    return row.map((v) => v - lse);
  });
}

/** Every parameter of a model as nested arrays, by our names. */
export function paramArrays(params: Map<string, tf.Variable>): Map<string, unknown> {
  return new Map([...params].map(([k, v]) => [k, v.arraySync()]));
}
