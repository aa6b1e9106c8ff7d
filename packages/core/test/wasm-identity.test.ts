import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@momentum-smoe/core';
import { asWasmBackend, offsetOf } from '../src/wasm/heap.js';
import { backendDataIds } from './wasm-helpers.js';

beforeAll(async () => {
  const report = await initBackend({ backend: 'wasm' });
  expect(report.patches).toContain('Identity');
});

describe('Identity patch on wasm (shares data instead of copying)', () => {
  it('tf.clone shares the heap bytes, keeps its values after the original is disposed, and frees them with the last user', async () => {
    await tf.setBackend('wasm');
    const ids = backendDataIds();
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const y = tf.clone(x);
    const backend = asWasmBackend(tf.backend());
    expect(offsetOf(backend, y)).toBe(offsetOf(backend, x));
    expect(backendDataIds()).toBe(ids + 1);
    x.dispose();
    expect(Array.from(await y.data())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(backendDataIds()).toBe(ids + 1);
    y.dispose();
    expect(backendDataIds()).toBe(ids);
  });

  it('gradients through ops that save their inputs are unchanged (x·w, checked against the closed form)', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const w = tf.tensor2d([0.5, -1, 2, 0.25], [2, 2]);
    const tensorsBefore = tf.memory().numTensors;
    const [gx, gw] = tf.grads((a, b) => tf.sum(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D)))([x, w]);
    // d/dx Σ x·w = 1·wᵀ (row sums of w), d/dw = xᵀ·1 (column sums of x)
    expect(Array.from(await gx!.data())).toEqual([-0.5, 2.25, -0.5, 2.25]);
    expect(Array.from(await gw!.data())).toEqual([4, 4, 6, 6]);
    tf.dispose([gx!, gw!]);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    tf.dispose([x, w]);
  });

  it('string tensors still clone', async () => {
    await tf.setBackend('wasm');
    const s = tf.tensor1d(['a', 'bc']);
    const c = tf.clone(s);
    s.dispose();
    expect(await c.data()).toEqual(['a', 'bc']);
    c.dispose();
  });
});
