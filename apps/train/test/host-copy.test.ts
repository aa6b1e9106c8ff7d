import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import { heapView, hostValues, tensorCopy } from '../src/training/host-copy.js';

describe.each(['wasm', 'cpu'] as const)('host copies on %s', (backend) => {
  it('heapView (on wasm) or hostValues (elsewhere) reads exactly what data() reads, for views and slices (seed 8)', async () => {
    await initBackend({ backend });
    const rng = new Rng(8);
    const base = tf.tensor2d(
      Float32Array.from({ length: 60 }, () => rng.normal()),
      [6, 10],
    ); // [6, 10]
    // A fresh kernel output, a reshape (shares the data) and a slice (its own data) of it.
    const parts = [tf.mul(base, 2), tf.reshape(base, [60]), tf.slice(base, [2, 0], [3, 10])];
    for (const t of parts) {
      const fetched = await hostValues(t);
      // on wasm nothing is fetched: the values are read off the heap, without a copy
      expect(fetched === null).toBe(backend === 'wasm');
      const read = fetched ?? heapView(t)!;
      expect(Array.from(read)).toEqual(Array.from(await t.data()));
    }
    if (backend === 'cpu') expect(heapView(parts[0]!)).toBeNull();
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
