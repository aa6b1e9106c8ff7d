import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import { forceKernelBuild } from '../src/wasm/simd/simd-module.js';
import { backendDataIds, expectClose, randomArray, runOn } from './wasm-helpers.js';

const SEED = 7331;

beforeAll(async () => {
  const report = await initBackend({ backend: 'wasm' });
  expect(report.patches).toContain('UnsortedSegmentSum');
});

/** Float64 segment sum over the rows of x ([rows, inner]); ids out of [0, segments) are dropped. */
function naiveSegmentSum(x: number[], ids: number[], inner: number, segments: number): Float64Array {
  const out = new Float64Array(segments * inner);
  ids.forEach((s, r) => {
    if (s < 0 || s >= segments) return;
    for (let j = 0; j < inner; j++) out[s * inner + j] = out[s * inner + j]! + x[r * inner + j]!;
  });
  return out;
}

describe('UnsortedSegmentSum patch on wasm', () => {
  it.each([
    { rows: 1, inner: [5], segments: 3 },
    { rows: 37, inner: [16], segments: 11 },
    { rows: 24, inner: [3, 4], segments: 40 }, // more segments than rows: most stay zero
    { rows: 50, inner: [], segments: 7 }, // rank-1 x
  ])('matches a float64 loop and cpu: %o', async ({ rows, inner, segments }) => {
    const seed = SEED + rows;
    const rng = new Rng(seed);
    const innerSize = inner.reduce((p, d) => p * d, 1);
    const x = randomArray(rng, rows * innerSize);
    const ids = Array.from({ length: rows }, () => rng.int(segments));
    const f = () => tf.unsortedSegmentSum(tf.tensor(x, [rows, ...inner]), tf.tensor1d(ids, 'int32'), segments);
    await tf.setBackend('wasm');
    const shape = tf.tidy(() => f().shape);
    expect(shape).toEqual([segments, ...inner]);
    const cpu = await runOn('cpu', f);
    const ref = naiveSegmentSum(x, ids, innerSize, segments);
    for (const build of ['relaxed', 'plain'] as const) {
      forceKernelBuild(build);
      const wasm = await runOn('wasm', f);
      forceKernelBuild(null);
      expectClose(wasm, [ref], 1e-6, `${build} build vs float64, seed ${seed}`);
      expectClose(wasm, cpu, 1e-6, `${build} build vs cpu, seed ${seed}`);
    }
  });

  it('drops float32 rows whose ids are outside [0, numSegments), in both builds', async () => {
    const x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]; // [3, 6]: a vector and a tail per row
    const f = () => tf.unsortedSegmentSum(tf.tensor2d(x, [3, 6]), tf.tensor1d([1, -1, 1], 'int32'), 2);
    for (const build of ['relaxed', 'plain'] as const) {
      forceKernelBuild(build);
      const [wasm] = await runOn('wasm', f);
      forceKernelBuild(null);
      expect(Array.from(wasm!), build).toEqual([0, 0, 0, 0, 0, 0, 14, 16, 18, 20, 22, 24]);
    }
  });

  it('drops ids outside [0, numSegments) and sums int32 exactly', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor2d(
      [
        [1, 2],
        [3, 4],
        [5, 6],
        [7, 8],
      ],
      [4, 2],
      'int32',
    );
    const out = tf.unsortedSegmentSum(x, tf.tensor1d([2, -1, 2, 5], 'int32'), 3);
    expect(out.dtype).toBe('int32');
    // rows 0 and 2 go to segment 2; ids -1 and 5 are out of range
    expect(Array.from(await out.data())).toEqual([0, 0, 0, 0, 6, 8]);
    tf.dispose([x, out]);
  });

  it('gives gather (embedding) gradients equal to cpu, repeated ids included', async () => {
    const seed = SEED + 1;
    const rng = new Rng(seed);
    const [vocab, dim, tokens] = [30, 8, 96];
    const table = randomArray(rng, vocab * dim);
    const ids = Array.from({ length: tokens }, () => rng.int(vocab / 2)); // half the rows unused, many repeats
    const probe = randomArray(rng, tokens * dim);
    const f = () =>
      tf.grad((e: tf.Tensor) =>
        tf.sum(tf.mul(tf.gather(e, tf.tensor1d(ids, 'int32')), tf.tensor(probe, [tokens, dim]))),
      )(tf.tensor(table, [vocab, dim]));
    const [cpu, wasm] = [await runOn('cpu', f), await runOn('wasm', f)];
    expectClose(wasm, cpu, 1e-6, `seed ${seed}`);
  });

  it('leaks neither tensors nor backend data across repeated calls', async () => {
    await tf.setBackend('wasm');
    const rng = new Rng(SEED + 2);
    const x = tf.tensor(randomArray(rng, 40 * 6), [40, 6]);
    const ids = tf.tensor1d(
      Array.from({ length: 40 }, () => rng.int(9)),
      'int32',
    );
    const step = () => tf.tidy(() => tf.unsortedSegmentSum(x, ids, 9).sum()).dispose();
    step();
    const [tensors, dataIds] = [tf.memory().numTensors, backendDataIds()];
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backendDataIds()).toBe(dataIds);
    tf.dispose([x, ids]);
  });
});
