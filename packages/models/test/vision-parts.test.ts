import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, Rng, initBackend } from '@momentum-smoe/core';
import {
  PatchEmbedding,
  SelfAttention,
  geluTanh,
  sigmoidCrossEntropy,
  validateVisionConfig,
  visionPreset,
} from '../src/vision/index.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('PatchEmbedding', () => {
  it.each([
    [28, 7, 1, 8, 3],
    [12, 4, 3, 5, 2],
  ])('matches a naive conv loop (image %i, patch %i, channels %i, hidden %i, seed 11)', (s, p, c, d, b) => {
    const rng = new Rng(11);
    const pe = new PatchEmbedding({ imageSize: s, patchSize: p, channels: c, hidden: d, rng });
    pe.bias.assign(tf.tensor1d(rng.normalArray(d)));
    const img = rng.normalArray(b * s * s * c);
    const out = tf.tidy(() => pe.apply(tf.tensor4d(img, [b, s, s, c])));
    const got = out.dataSync();
    const k = pe.kernel.dataSync(); // Flax conv kernel [p, p, C, d] flattened
    const bias = pe.bias.dataSync();
    const g = s / p;
    for (let n = 0; n < b; n++)
      for (let i = 0; i < g; i++)
        for (let j = 0; j < g; j++)
          for (let o = 0; o < d; o++) {
            let acc = bias[o]!;
            for (let kh = 0; kh < p; kh++)
              for (let kw = 0; kw < p; kw++)
                for (let ch = 0; ch < c; ch++) {
                  const pixel = img[((n * s + i * p + kh) * s + j * p + kw) * c + ch]!;
                  acc += pixel * k[((kh * p + kw) * c + ch) * d + o]!;
                }
            expect(got[((n * g + i) * g + j) * d + o]).toBeCloseTo(acc, 4);
          }
    expect(out.shape).toEqual([b, g * g, d]);
    out.dispose();
    pe.dispose();
  });

  it('rejects images of the wrong size with a ShapeError naming NHWC', () => {
    const pe = new PatchEmbedding({ imageSize: 28, patchSize: 7, channels: 1, hidden: 4, rng: new Rng(0) });
    const bad = tf.zeros([2, 28, 28, 3]) as tf.Tensor4D;
    expect(() => pe.apply(bad)).toThrow(/NHWC/);
    bad.dispose();
    pe.dispose();
  });
});

describe('SelfAttention', () => {
  it('matches a float64 per-head softmax(QKᵀ/√dh)V reference (seed 5)', () => {
    const [b, n, d, h] = [2, 5, 8, 2];
    const rng = new Rng(5);
    const att = new SelfAttention(d, h, rng);
    for (const lin of [att.query, att.key, att.value, att.out])
      lin.bias?.assign(tf.tensor1d(rng.normalArray(d, 0, 0.1)));
    const x = rng.normalArray(b * n * d);
    const got = tf.tidy(() => att.apply(tf.tensor3d(x, [b, n, d]))).dataSync();
    const proj = (lin: typeof att.query, src: ArrayLike<number>) => {
      const w = lin.weight.dataSync();
      const bb = lin.bias!.dataSync();
      const out = new Float64Array(b * n * d);
      for (let r = 0; r < b * n; r++)
        for (let o = 0; o < d; o++) {
          let acc = bb[o]!;
          for (let i = 0; i < d; i++) acc += src[r * d + i]! * w[i * d + o]!;
          out[r * d + o] = acc;
        }
      return out;
    };
    const [q, k, v] = [proj(att.query, x), proj(att.key, x), proj(att.value, x)];
    const dh = d / h;
    const ctx = new Float64Array(b * n * d);
    for (let bi = 0; bi < b; bi++)
      for (let hi = 0; hi < h; hi++)
        for (let i = 0; i < n; i++) {
          const scores = Array.from({ length: n }, (_, j) => {
            let s = 0;
            for (let e = 0; e < dh; e++) s += q[(bi * n + i) * d + hi * dh + e]! * k[(bi * n + j) * d + hi * dh + e]!;
            return s / Math.sqrt(dh);
          });
          const mx = Math.max(...scores);
          const ex = scores.map((s) => Math.exp(s - mx));
          const z = ex.reduce((a, c) => a + c, 0);
          for (let e = 0; e < dh; e++) {
            let acc = 0;
            for (let j = 0; j < n; j++) acc += (ex[j]! / z) * v[(bi * n + j) * d + hi * dh + e]!;
            ctx[(bi * n + i) * d + hi * dh + e] = acc;
          }
        }
    const want = proj(att.out, ctx);
    want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 4));
    att.dispose();
  });

  it('throws a ConfigError when hidden is not a multiple of heads', () => {
    expect(() => new SelfAttention(10, 3, new Rng(0))).toThrow(ConfigError);
  });
});

describe('geluTanh and sigmoidCrossEntropy', () => {
  it('geluTanh equals the closed form 0.5x(1+tanh(√(2/π)(x+0.044715x³)))', () => {
    const xs = [-3, -1, -0.2, 0, 0.5, 2];
    const got = tf.tidy(() => geluTanh(tf.tensor1d(xs))).dataSync();
    xs.forEach((x, i) =>
      expect(got[i]).toBeCloseTo(0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))), 5),
    );
  });

  it('sums −[y log σ(z) + (1−y) log(1−σ(z))] over classes and averages over images (seed 3)', () => {
    const rng = new Rng(3);
    const [b, c] = [4, 6];
    const z = rng.normalArray(b * c, 0, 3);
    const labels = [0, 5, 2, 2];
    const got = tf.tidy(() => sigmoidCrossEntropy(tf.tensor2d(z, [b, c]), tf.tensor1d(labels, 'int32'))).dataSync()[0]!;
    let want = 0;
    for (let i = 0; i < b; i++)
      for (let j = 0; j < c; j++) {
        const s = 1 / (1 + Math.exp(-z[i * c + j]!));
        want -= j === labels[i] ? Math.log(s) : Math.log(1 - s);
      }
    expect(got).toBeCloseTo(want / b, 4);
  });
});

describe('validateVisionConfig', () => {
  it.each([
    ['heads', (c: ReturnType<typeof visionPreset>) => ({ ...c, heads: 3 }), /multiple of heads/],
    ['patch', (c: ReturnType<typeof visionPreset>) => ({ ...c, patchSize: 5 }), /multiple of patchSize/],
    [
      'moe block',
      (c: ReturnType<typeof visionPreset>) => ({ ...c, moe: { ...c.moe, blocks: [1, 4] } }),
      /moe\.blocks entry 4/,
    ],
    ['topK', (c: ReturnType<typeof visionPreset>) => ({ ...c, moe: { ...c.moe, topK: 5 } }), /topK/],
    [
      'rho',
      (c: ReturnType<typeof visionPreset>) => ({
        ...c,
        momentum: { kind: 'robust' as const, kappa: 1.25, rho: 1.5, L: 1 },
      }),
      /rho/,
    ],
  ])('rejects a bad %s with a ConfigError naming the field', (_what, edit, message) => {
    expect(() => validateVisionConfig(edit(visionPreset('vmoe-mnist')))).toThrow(message);
  });

  it('rejects unknown presets and lists the known ones', () => {
    expect(() => visionPreset('vmoe-x99')).toThrow(/vmoe-s32/);
  });

  it('V-MoE presets put MoE on the odd blocks ("Every 2"), E=8, k=2, capacity 1.05/4.0, group 8 images', () => {
    const s = visionPreset('vmoe-s32');
    const b = visionPreset('robust-vmoe-b32');
    expect([s.blocks, s.hidden, s.mlpDim, s.heads, s.patchSize]).toEqual([8, 512, 2048, 8, 32]);
    expect([b.blocks, b.hidden, b.mlpDim, b.heads]).toEqual([12, 768, 3072, 12]);
    expect(s.moe.blocks).toEqual([1, 3, 5, 7]);
    expect(b.moe.blocks).toEqual([1, 3, 5, 7, 9, 11]);
    expect([s.moe.experts, s.moe.topK, s.moe.groupSize]).toEqual([8, 2, 8]);
    expect(s.moe.capacityFactor).toEqual({ train: 1.05, eval: 4 });
    expect(b.momentum).toEqual({ kind: 'robust', kappa: 1.25, rho: 0.2, L: 1 });
    expect(visionPreset('momentum-vmoe-s32').momentum).toEqual({ kind: 'heavy-ball', mu: 0.8, gamma: 1 });
  });
});
