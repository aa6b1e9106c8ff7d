import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import { forceKernelBuild } from '../src/wasm/simd/simd-module.js';
import { swapMiddleDims } from '../src/wasm/transpose-kernel.js';
import { runOn } from './wasm-helpers.js';

const SEED = 2207;

beforeAll(async () => {
  const report = await initBackend({ backend: 'wasm' });
  expect(report.patches).toContain('Transpose');
});

describe('swapMiddleDims (which transposes the SIMD copy takes)', () => {
  it.each([
    { shape: [8, 192, 8, 16], perm: [0, 2, 1, 3], want: [8, 192, 8, 16] }, // the attention's head split
    { shape: [2, 3, 4, 5, 6], perm: [0, 1, 3, 2, 4], want: [6, 4, 5, 6] }, // leading axes merge
    { shape: [3, 4, 5], perm: [1, 0, 2], want: [1, 3, 4, 5] },
    { shape: [2, 3, 4, 5], perm: [2, 3, 0, 1], want: null }, // two blocks swapped: a 2-D transpose of [6, 20]
    { shape: [3, 4], perm: [1, 0], want: null }, // a plain 2-D transpose
    { shape: [2, 3, 4], perm: [0, 2, 1], want: null },
    { shape: [2, 3, 4, 5], perm: [3, 1, 2, 0], want: null },
  ])('%o', ({ shape, perm, want }) => {
    expect(swapMiddleDims(shape, perm)).toEqual(want);
  });
});

describe('Transpose patch on wasm', () => {
  // the first four take the SIMD copy (inner run ≥ 4, with and without a tail of < 4); the rest stay with tfjs-wasm
  it.each([
    { shape: [2, 5, 3, 16], perm: [0, 2, 1, 3] },
    { shape: [3, 4, 7], perm: [1, 0, 2] },
    { shape: [2, 3, 2, 3, 5], perm: [0, 1, 3, 2, 4] },
    { shape: [1, 6, 2, 4], perm: [0, 2, 1, 3] },
    { shape: [4, 3, 2, 2], perm: [0, 2, 1, 3] },
    { shape: [5, 7], perm: [1, 0] },
    { shape: [2, 3, 4, 5], perm: [3, 1, 2, 0] },
  ])('equals cpu bit for bit, float32 and int32, both builds: %o', async ({ shape, perm }) => {
    const size = shape.reduce((p, d) => p * d, 1);
    const rng = new Rng(SEED + size);
    const values = Array.from(rng.uniformArray(size, -5, 5));
    const ints = values.map((v) => Math.round(v * 1000));
    for (const [data, dtype] of [
      [values, 'float32'],
      [ints, 'int32'],
    ] as const) {
      const f = () => tf.transpose(tf.tensor(data, shape, dtype), perm);
      const [cpu] = await runOn('cpu', f);
      for (const build of ['relaxed', 'plain'] as const) {
        forceKernelBuild(build);
        const [wasm] = await runOn('wasm', f);
        forceKernelBuild(null);
        expect(Array.from(wasm!), `${dtype}, ${build} build, seed ${SEED + size}`).toEqual(Array.from(cpu!));
      }
    }
    await tf.setBackend('wasm');
    const out = tf.transpose(tf.zeros(shape), perm);
    expect(out.shape).toEqual(perm.map((axis) => shape[axis]));
    out.dispose();
  });
});
