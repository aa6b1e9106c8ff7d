import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import { MultiHeadSeqAttention, skew, unskew } from '../src/index.js';
import { naiveAttention, toMat } from './lm-reference.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('MultiHeadSeqAttention', () => {
  it.each([
    [2, 3, 5, 8, 2, 11],
    [1, 6, 4, 12, 3, 12],
    [2, 4, 4, 8, 1, 13],
  ])(
    'matches the float64 loop reference (B=%i, M=%i, L=%i, H=%i, heads=%i, seed %i)',
    (b, m, l, hidden, heads, seed) => {
      const rng = new Rng(seed);
      const attn = new MultiHeadSeqAttention({ dModel: hidden, heads, attnSpan: l, dropout: 0.5, rng }).train(false);
      const h = tf.tensor3d(rng.normalArray(b * m * hidden), [b, m, hidden]);
      const cache = tf.tensor3d(rng.normalArray(b * l * hidden), [b, l, hidden]);
      const keyPe = tf.tensor3d(rng.normalArray((hidden / heads) * l), [1, hidden / heads, l]);
      const out = attn.apply(h, cache, keyPe);
      expect(out.shape).toEqual([b, m, hidden]);
      const w = {
        q: toMat(attn.proj_query.weight),
        k: toMat(attn.proj_key.weight),
        v: toMat(attn.proj_val.weight),
        o: toMat(attn.proj_out.weight),
      };
      const got = out.arraySync();
      const hs = h.arraySync();
      const cs = cache.arraySync();
      const pe = keyPe.arraySync()[0]!;
      for (let s = 0; s < b; s++) {
        const want = naiveAttention(hs[s]!, cs[s]!, pe, w, heads);
        for (let i = 0; i < m; i++)
          for (let c = 0; c < hidden; c++)
            expect(got[s]![i]![c]!, `seed ${seed} [${s},${i},${c}]`).toBeCloseTo(want[i]![c]!, 4);
      }
      tf.dispose([h, cache, keyPe, out]);
      attn.dispose();
    },
  );

  it('sees exactly the L previous positions: no later ones, none beyond the span (seed 5)', () => {
    const rng = new Rng(5);
    const attn = new MultiHeadSeqAttention({ dModel: 8, heads: 2, attnSpan: 3, dropout: 0, rng });
    const h = tf.tensor3d(rng.normalArray(5 * 8), [1, 5, 8]);
    const cache = tf.tensor3d(rng.normalArray(3 * 8), [1, 3, 8]);
    const keyPe = tf.tensor3d(rng.normalArray(4 * 3), [1, 4, 3]);
    const moved = (token: number) => {
      const h2 = tf.add(h, tf.mul(tf.oneHot([token], 5).reshape([1, 5, 1]), 3)) as tf.Tensor3D;
      return (
        tf
          .abs(tf.sub(attn.apply(h, cache, keyPe), attn.apply(h2, cache, keyPe)))
          .max(-1)
          .arraySync() as number[][]
      )[0]!;
    };
    // Token 0 is a key for positions 1..3 (span 3) and the query of position 0; position 4 sees only 1..3.
    const d0 = moved(0);
    expect(d0[4]).toBe(0);
    expect(Math.min(...d0.slice(0, 4))).toBeGreaterThan(1e-4);
    // The last token is nobody's key: only its own output moves.
    const d4 = moved(4);
    expect(d4.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(d4[4]).toBeGreaterThan(1e-4);
    attn.dispose();
  });

  it('unskew/skew place entries as the index formulas say', () => {
    const [n, m, l] = [2, 3, 4];
    const x = tf.tensor3d(
      Array.from({ length: n * m * (l + m) }, (_, i) => i + 1),
      [n, m, l + m],
    );
    const un = unskew(x).arraySync();
    const xs = x.arraySync();
    for (let a = 0; a < n; a++)
      for (let i = 0; i < m; i++) for (let j = 0; j < l; j++) expect(un[a]![i]![j]).toBe(xs[a]![i]![i + j]);
    const r = tf.tensor3d(
      Array.from({ length: n * m * l }, (_, i) => i + 1),
      [n, m, l],
    );
    const sk = skew(r).arraySync();
    const rs = r.arraySync();
    for (let a = 0; a < n; a++)
      for (let i = 0; i < m; i++)
        for (let c = 0; c < l + m; c++) {
          expect(sk[a]![i]![c]).toBe(c - i >= 0 && c - i < l ? rs[a]![i]![c - i] : 0);
        }
  });

  it('leaks no tensors across repeated calls (seed 9)', () => {
    const rng = new Rng(9);
    const attn = new MultiHeadSeqAttention({ dModel: 8, heads: 2, attnSpan: 4, dropout: 0.3, rng });
    const h = tf.tensor3d(rng.normalArray(2 * 3 * 8), [2, 3, 8]);
    const cache = tf.zeros([2, 4, 8]) as tf.Tensor3D;
    const keyPe = tf.ones([1, 4, 4]) as tf.Tensor3D;
    attn.apply(h, cache, keyPe).dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) attn.apply(h, cache, keyPe).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
