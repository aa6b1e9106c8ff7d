import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import { backendDataIds, expectClose, randomArray, runOn } from './wasm-helpers.js';

const SEED = 5150;
const DTYPES = ['float32', 'int32', 'bool'] as const;

beforeAll(async () => {
  const report = await initBackend({ backend: 'wasm' });
  expect(report.patches).toEqual(expect.arrayContaining(['Slice', 'Unpack', 'SplitV']));
});

/** Row-major strides of `shape`. */
function stridesOf(shape: number[]): number[] {
  return shape.map((_, d) => shape.slice(d + 1).reduce((p, s) => p * s, 1));
}

/** Float64 `x[begin : begin + size]` by enumerating every output index. */
function naiveSlice(x: ArrayLike<number>, shape: number[], begin: number[], size: number[]): Float64Array {
  const total = size.reduce((p, d) => p * d, 1);
  const [xStrides, outStrides] = [stridesOf(shape), stridesOf(size)];
  const out = new Float64Array(total);
  for (let o = 0; o < total; o++) {
    let from = 0;
    size.forEach((_, d) => (from += (begin[d]! + (Math.floor(o / outStrides[d]!) % size[d]!)) * xStrides[d]!));
    out[o] = x[from]!;
  }
  return out;
}

/** Seeded values of `dtype`, rounded through float32 so that they compare exactly after the round trip. */
function valuesOf(rng: Rng, n: number, dtype: (typeof DTYPES)[number]): number[] {
  if (dtype === 'float32') return Array.from(Float32Array.from(randomArray(rng, n)));
  return Array.from({ length: n }, () => (dtype === 'bool' ? rng.int(2) : rng.int(2001) - 1000));
}

describe('Slice, Unpack and SplitV patches on wasm', () => {
  const cases = Array.from({ length: 15 }, (_, i) => ({ seed: SEED + i, dtype: DTYPES[i % 3]! }));

  it.each(cases)(
    'slice matches a float64 loop and cpu on random boxes (seed $seed, $dtype)',
    async ({ seed, dtype }) => {
      const rng = new Rng(seed);
      // rank 1 to 5 (tf.slice refuses scalars)
      const shape = Array.from({ length: 1 + rng.int(5) }, () => 1 + rng.int(5));
      const begin = shape.map((d) => rng.int(d));
      const size = shape.map((d, i) => rng.int(d - begin[i]! + 1)); // 0 included: empty boxes
      const sizeArg = size.map((s, i) => (rng.int(4) === 0 && s === shape[i]! - begin[i]! ? -1 : s)); // -1: to the end
      const x = valuesOf(
        rng,
        shape.reduce((p, d) => p * d, 1),
        dtype,
      );
      const f = () => tf.slice(tf.tensor(x, shape, dtype), begin, sizeArg);
      const what = `seed ${seed}, x [${shape}], begin [${begin}], size [${sizeArg}]`;
      const [cpu, wasm] = [await runOn('cpu', f), await runOn('wasm', f)];
      expect(Array.from(wasm[0]!), `vs float64 loop, ${what}`).toEqual(Array.from(naiveSlice(x, shape, begin, size)));
      expect(Array.from(wasm[0]!), `vs cpu, ${what}`).toEqual(Array.from(cpu[0]!));
    },
  );

  it.each(cases.slice(0, 9))(
    'split and unstack match slicing loops and cpu (seed $seed, $dtype)',
    async ({ seed, dtype }) => {
      const rng = new Rng(seed + 100);
      const shape = Array.from({ length: 1 + rng.int(4) }, () => 1 + rng.int(5));
      const axis = rng.int(shape.length);
      const dim = shape[axis]!;
      const cut = rng.int(dim + 1); // two pieces, the first maybe empty
      const x = valuesOf(
        rng,
        shape.reduce((p, d) => p * d, 1),
        dtype,
      );
      const f = () => {
        const t = tf.tensor(x, shape, dtype);
        return [...tf.split(t, [cut, dim - cut], axis), ...tf.unstack(t, axis)];
      };
      const what = `seed ${seed + 100}, x [${shape}], axis ${axis}, cut ${cut}`;
      const box = (start: number, length: number) => {
        const [begin, size] = [shape.map(() => 0), [...shape]];
        [begin[axis], size[axis]] = [start, length];
        return Array.from(naiveSlice(x, shape, begin, size));
      };
      const expected = [box(0, cut), box(cut, dim - cut), ...Array.from({ length: dim }, (_, i) => box(i, 1))];
      const [cpu, wasm] = [await runOn('cpu', f), await runOn('wasm', f)];
      expect(
        wasm.map((a) => Array.from(a)),
        `vs loops, ${what}`,
      ).toEqual(expected);
      expect(
        wasm.map((a) => Array.from(a)),
        `vs cpu, ${what}`,
      ).toEqual(cpu.map((a) => Array.from(a)));
      await tf.setBackend('wasm');
      const shapes = tf.tidy(() => f().map((t) => t.shape));
      const pieceShape = (n: number) => shape.map((d, i) => (i === axis ? n : d));
      const unstacked = shape.filter((_, i) => i !== axis);
      expect(shapes, what).toEqual([
        pieceShape(cut),
        pieceShape(dim - cut),
        ...Array.from({ length: dim }, () => unstacked),
      ]);
    },
  );

  it('gives slice, split and unstack gradients equal to cpu (seed 5300)', async () => {
    const rng = new Rng(5300);
    const shape = [4, 6, 5];
    const x = randomArray(rng, 4 * 6 * 5);
    const probe = randomArray(rng, 4 * 6 * 5);
    const f = () =>
      tf.grad((t: tf.Tensor) => {
        const p = tf.tensor(probe, shape);
        const sliced = tf.sum(tf.mul(tf.slice(t, [1, 2, 0], [2, 3, 4]), tf.slice(p, [0, 0, 1], [2, 3, 4])));
        const [a, b] = tf.split(t, [2, 4], 1);
        const pieces = tf.unstack(t, 2).map((u, i) => tf.sum(tf.mul(u, i + 1)));
        return tf.addN([sliced, tf.sum(tf.mul(a!, 2)), tf.sum(tf.square(b!)), ...pieces]);
      })(tf.tensor(x, shape));
    const [cpu, wasm] = [await runOn('cpu', f), await runOn('wasm', f)];
    expectClose(wasm, cpu, 1e-6, 'seed 5300');
  });

  it('slices string tensors through the stock kernel', async () => {
    await tf.setBackend('wasm');
    const words = tf.tensor2d(['a', 'b', 'c', 'd', 'e', 'f'], [2, 3], 'string');
    const out = [tf.slice(words, [0, 1], [2, 2]), ...tf.unstack(words)];
    expect(await Promise.all(out.map((t) => t.array()))).toEqual([
      [
        ['b', 'c'],
        ['e', 'f'],
      ],
      ['a', 'b', 'c'],
      ['d', 'e', 'f'],
    ]);
    tf.dispose([words, ...out]);
  });

  it('leaks neither tensors nor backend data across repeated calls', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor(randomArray(new Rng(SEED + 99), 8 * 6 * 4), [8, 6, 4]);
    const step = () =>
      tf
        .tidy(() => {
          const sums = [...tf.split(x, 3, 1), ...tf.unstack(x), tf.slice(x, [1, 1, 1], [3, 4, 2])].map((t) => t.sum());
          return tf.addN(sums);
        })
        .dispose();
    step();
    const [tensors, dataIds] = [tf.memory().numTensors, backendDataIds()];
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backendDataIds()).toBe(dataIds);
    x.dispose();
  });
});
