import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend, installWasmPatches } from '@momentum-smoe/core';
import { makeConv2DBackpropFilterConfig } from '../src/wasm/conv2d-backprop-filter.js';
import { backendDataIds, expectClose, randomArray, runOn } from './wasm-helpers.js';

const SEED = 4242;

beforeAll(async () => {
  const report = await initBackend({ backend: 'wasm' });
  expect(report.patches).toContain('Conv2DBackpropFilter');
});
afterAll(() => {
  installWasmPatches(); // puts the default config back if a test swapped it
});

type Pad = tf.Conv2DBackpropFilterAttrs['pad'];
interface Case {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

const CASES: Case[] = [
  { x: [2, 7, 6, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 7, 6, 3], filter: [3, 2, 3, 4], strides: 1, pad: 'valid' },
  { x: [1, 9, 8, 2], filter: [3, 3, 2, 5], strides: 2, pad: 'same' },
  { x: [3, 8, 9, 4], filter: [2, 3, 4, 2], strides: [2, 1], pad: 'valid' },
  { x: [2, 6, 6, 3], filter: [3, 3, 3, 2], strides: 2, pad: 1, dimRoundingMode: 'floor' },
  {
    x: [2, 5, 7, 2],
    filter: [2, 3, 2, 3],
    strides: 1,
    pad: [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
  },
  { x: [4, 4, 4, 1], filter: [1, 1, 1, 6], strides: 1, pad: 'valid' },
];

const size = (s: number[]) => s.reduce((p, d) => p * d, 1);
const label = (c: Case) =>
  `x [${c.x}], filter [${c.filter}], strides ${JSON.stringify(c.strides)}, pad ${JSON.stringify(c.pad)}`;

/** The kernel's output for `c` (dy drawn to the conv's output shape) on the active backend. */
function filterGradient(c: Case, xv: number[], dyv: (n: number) => number[]): tf.Tensor {
  const x = tf.tensor4d(xv, c.x);
  const outShape = tf.conv2d(
    x,
    tf.zeros(c.filter) as tf.Tensor4D,
    c.strides,
    c.pad,
    'NHWC',
    1,
    c.dimRoundingMode,
  ).shape;
  const dy = tf.tensor(dyv(size(outShape)), outShape);
  const attrs = {
    strides: c.strides,
    pad: c.pad,
    dataFormat: 'NHWC',
    dimRoundingMode: c.dimRoundingMode,
    filterShape: c.filter,
  };
  return tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

describe('Conv2DBackpropFilter patch on wasm', () => {
  it.each(CASES)('matches cpu: %#', async (c) => {
    const rng = new Rng(SEED);
    const xv = randomArray(rng, size(c.x));
    const dyAll = randomArray(rng, 4096);
    const f = () => filterGradient(c, xv, (n) => dyAll.slice(0, n));
    const [cpu, wasm] = [await runOn('cpu', f), await runOn('wasm', f)];
    expectClose(wasm, cpu, 1e-5, `${label(c)}, seed ${SEED}`);
  });

  it('gives the same result when the images are taken in chunks', async () => {
    const c = CASES[2]!;
    const rng = new Rng(SEED + 1);
    const x = randomArray(rng, size([5, ...c.x.slice(1)]));
    const dyAll = randomArray(rng, 4096);
    const chunked: Case = { ...c, x: [5, c.x[1], c.x[2], c.x[3]] };
    const f = () => filterGradient(chunked, x, (n) => dyAll.slice(0, n));
    const whole = await runOn('wasm', f);
    // one image's im2col is 5·4·18 floats: a bound of 2 images forces chunks of 2, 2, 1
    tf.unregisterKernel(tf.Conv2DBackpropFilter, 'wasm');
    tf.registerKernel(makeConv2DBackpropFilterConfig(2 * 4 * 5 * 18));
    const parts = await runOn('wasm', f);
    installWasmPatches();
    expectClose(parts, whole, 1e-6, `seed ${SEED + 1}`);
    expectClose(whole, await runOn('cpu', f), 1e-5, `vs cpu, seed ${SEED + 1}`);
  });

  it('gives tf.conv2d gradients (input and filter) equal to cpu', async () => {
    const seed = SEED + 2;
    const rng = new Rng(seed);
    const [xs, fs] = [
      [2, 6, 5, 3],
      [3, 3, 3, 4],
    ];
    const [xv, fv, probe] = [randomArray(rng, size(xs)), randomArray(rng, size(fs)), randomArray(rng, 2 * 3 * 3 * 4)];
    const f = () => {
      const loss = (x: tf.Tensor, w: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same').flatten(), tf.tensor(probe)));
      return tf.grads(loss)([tf.tensor(xv, xs), tf.tensor(fv, fs)]);
    };
    const [cpu, wasm] = [await runOn('cpu', f), await runOn('wasm', f)];
    expectClose(wasm, cpu, 1e-5, `seed ${seed}`);
  });

  it('rejects NCHW with a message that says so', async () => {
    await tf.setBackend('wasm');
    const attrs = { strides: 1, pad: 'valid', dataFormat: 'NCHW', filterShape: [1, 1, 1, 1] };
    expect(() =>
      tf.tidy(() =>
        tf
          .engine()
          .runKernel(
            tf.Conv2DBackpropFilter,
            { x: tf.ones([1, 1, 2, 2]), dy: tf.ones([1, 1, 2, 2]) },
            attrs as unknown as tf.NamedAttrMap,
          ),
      ),
    ).toThrow(/NHWC only/);
  });

  it('leaks neither tensors nor backend data across repeated calls', async () => {
    await tf.setBackend('wasm');
    const rng = new Rng(SEED + 3);
    const x = tf.tensor4d(randomArray(rng, 2 * 6 * 6 * 2), [2, 6, 6, 2]);
    const w = tf.tensor4d(randomArray(rng, 3 * 3 * 2 * 3), [3, 3, 2, 3]);
    const step = () =>
      tf
        .tidy(() =>
          tf
            .grad((v: tf.Tensor) => tf.conv2d(x, v as tf.Tensor4D, 1, 'same').sum())(w)
            .sum(),
        )
        .dispose();
    step();
    const [tensors, dataIds] = [tf.memory().numTensors, backendDataIds()];
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backendDataIds()).toBe(dataIds);
    tf.dispose([x, w]);
  });
});
