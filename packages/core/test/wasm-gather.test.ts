import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import { backendDataIds, expectClose, randomArray, runOn } from './wasm-helpers.js';

const SEED = 4242;
type Dtype = 'float32' | 'int32' | 'bool';

beforeAll(async () => {
  const report = await initBackend({ backend: 'wasm' });
  expect(report.patches).toContain('GatherV2');
});

/** Float64 gather along `axis` (batchDims 0): x [outer, dim, inner], flat ids [n] → [outer, n, inner]. */
function naiveGather(x: number[], shape: number[], ids: number[], axis: number): Float64Array {
  const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const dim = shape[axis]!;
  const inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const out = new Float64Array(outer * ids.length * inner);
  for (let o = 0; o < outer; o++) {
    ids.forEach((id, i) => {
      for (let j = 0; j < inner; j++) out[(o * ids.length + i) * inner + j] = x[(o * dim + id) * inner + j]!;
    });
  }
  return out;
}

/** Values of `dtype` from a seeded generator, as plain numbers. */
function valuesOf(rng: Rng, n: number, dtype: Dtype): number[] {
  if (dtype === 'float32') return randomArray(rng, n);
  return Array.from({ length: n }, () => (dtype === 'bool' ? rng.int(2) : rng.int(2001) - 1000));
}

describe('GatherV2 patch on wasm', () => {
  const dtypes: Dtype[] = ['float32', 'int32', 'bool'];
  const cases = Array.from({ length: 12 }, (_, i) => ({ seed: SEED + i, dtype: dtypes[i % 3]! }));
  it.each(cases)(
    'matches a float64 loop and cpu on random shapes and axes (seed $seed, $dtype)',
    async ({ seed, dtype }) => {
      const rng = new Rng(seed);
      const rank = 1 + rng.int(4);
      const shape = Array.from({ length: rank }, () => 1 + rng.int(5));
      const axis = rng.int(rank);
      const idsShape = Array.from({ length: rng.int(3) }, () => 1 + rng.int(4)); // rank 0, 1 or 2
      const x = valuesOf(
        rng,
        shape.reduce((p, d) => p * d, 1),
        dtype,
      );
      const ids = Array.from({ length: idsShape.reduce((p, d) => p * d, 1) }, () => rng.int(shape[axis]!));
      const negative = rng.int(2) === 1; // the same axis counted from the end
      const f = () =>
        tf.gather(tf.tensor(x, shape, dtype), tf.tensor(ids, idsShape, 'int32'), negative ? axis - rank : axis);
      await tf.setBackend('wasm');
      const out = tf.tidy(() => {
        const t = f();
        return { shape: t.shape, dtype: t.dtype };
      });
      const what = `seed ${seed}, x [${shape}], axis ${axis}, ids [${idsShape}]`;
      expect(out, what).toEqual({ shape: [...shape.slice(0, axis), ...idsShape, ...shape.slice(axis + 1)], dtype });
      const [cpu, wasm] = [await runOn('cpu', f), await runOn('wasm', f)];
      // a copy: float32 inputs come back exactly, so equality, not closeness
      const ref = naiveGather(Array.from(Float32Array.from(x)), shape, ids, axis);
      expect(Array.from(wasm[0]!), `vs float64 loop, ${what}`).toEqual(Array.from(ref));
      expect(Array.from(wasm[0]!), `vs cpu, ${what}`).toEqual(Array.from(cpu[0]!));
    },
  );

  it('throws the error tfjs throws for an index out of range, on either side', async () => {
    const run = () => tf.gather(tf.zeros([3, 4]), tf.tensor1d([1, 4], 'int32'), 1);
    const below = () => tf.gather(tf.zeros([3, 4]), tf.tensor1d([-1], 'int32'));
    await tf.setBackend('cpu');
    expect(run).toThrow('GatherV2: the index value 4 is not in [0, 3]');
    await tf.setBackend('wasm');
    expect(run).toThrow('GatherV2: the index value 4 is not in [0, 3]');
    expect(below).toThrow('GatherV2: the index value -1 is not in [0, 2]');
  });

  it('gathers an empty index list and from an empty input', async () => {
    await tf.setBackend('wasm');
    const empty = tf.gather(tf.ones([3, 4, 2]), tf.tensor1d([], 'int32'), 1);
    expect(empty.shape).toEqual([3, 0, 2]);
    const fromEmpty = tf.gather(tf.ones([0, 4]), tf.tensor1d([3, 0], 'int32'), 1);
    expect(fromEmpty.shape).toEqual([0, 2]);
    expect(Array.from(await fromEmpty.data())).toEqual([]);
    tf.dispose([empty, fromEmpty]);
  });

  it('hands batchDims > 0 to the stock kernel, which agrees with a loop here', async () => {
    await tf.setBackend('wasm');
    // x: [2, 3], ids: [2, 2], batchDims 1 → out[b, i] = x[b, ids[b, i]]
    const out = tf.gather(
      tf.tensor2d([
        [1, 2, 3],
        [4, 5, 6],
      ]),
      tf.tensor2d(
        [
          [2, 0],
          [1, 1],
        ],
        [2, 2],
        'int32',
      ),
      1,
      1,
    );
    expect(await out.array()).toEqual([
      [3, 1],
      [5, 5],
    ]);
    out.dispose();
  });

  it.each([0, 1])('gives gather gradients equal to cpu along axis %i (seed 4300)', async (axis) => {
    const rng = new Rng(4300 + axis);
    const [rows, cols, count] = [12, 9, 40];
    const table = randomArray(rng, rows * cols);
    const ids = Array.from({ length: count }, () => rng.int(axis === 0 ? rows : cols)); // repeats included
    const probe = randomArray(rng, count * (axis === 0 ? cols : rows));
    const probeShape = axis === 0 ? [count, cols] : [rows, count];
    const f = () =>
      tf.grad((e: tf.Tensor) =>
        tf.sum(tf.mul(tf.gather(e, tf.tensor1d(ids, 'int32'), axis), tf.tensor(probe, probeShape))),
      )(tf.tensor(table, [rows, cols]));
    const [cpu, wasm] = [await runOn('cpu', f), await runOn('wasm', f)];
    expectClose(wasm, cpu, 1e-6, `axis ${axis}, seed ${4300 + axis}`);
  });

  it('leaks neither tensors nor backend data across repeated calls', async () => {
    await tf.setBackend('wasm');
    const rng = new Rng(SEED + 99);
    const x = tf.tensor(randomArray(rng, 30 * 8), [30, 8]);
    const ids = tf.tensor1d(
      Array.from({ length: 50 }, () => rng.int(30)),
      'int32',
    );
    const step = () => tf.tidy(() => tf.gather(x, ids).sum()).dispose();
    step();
    const [tensors, dataIds] = [tf.memory().numTensors, backendDataIds()];
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backendDataIds()).toBe(dataIds);
    tf.dispose([x, ids]);
  });
});
