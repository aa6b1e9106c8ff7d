import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import { readInto, tensorCopy } from '../src/training/host-copy.js';

describe.each(['wasm', 'cpu'] as const)('host copies on %s', (backend) => {
  it('readInto copies exactly what data() reads, at the offset, for views and slices too (seed 8)', async () => {
    await initBackend({ backend });
    const rng = new Rng(8);
    const base = tf.tensor2d(
      Float32Array.from({ length: 60 }, () => rng.normal()),
      [6, 10],
    ); // [6, 10]
    // A fresh kernel output, a reshape (shares the data) and a slice (its own data) of it.
    const parts = [tf.mul(base, 2), tf.reshape(base, [60]), tf.slice(base, [2, 0], [3, 10])];
    const out = new Float32Array(3 + parts.reduce((n, t) => n + t.size, 0)).fill(-7);
    let offset = 3;
    for (const t of parts) {
      await readInto(t, out, offset);
      offset += t.size;
    }
    const want = [-7, -7, -7, ...(await Promise.all(parts.map((t) => t.data()))).flatMap((d) => Array.from(d))];
    expect(Array.from(out)).toEqual(want);
    tf.dispose([base, ...parts]);
  });

  it('tensorCopy keeps its own copy: the source array may be reused', async () => {
    await initBackend({ backend });
    const values = Float32Array.from([1, 2, 3, 4]);
    const t = tensorCopy(values.subarray(1, 3), [2]);
    values.fill(0);
    expect(Array.from(await t.data())).toEqual([2, 3]);
    t.dispose();
  });
});
