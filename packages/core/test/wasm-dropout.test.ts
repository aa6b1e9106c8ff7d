import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend, seededDropout, seededDropoutMask, seededDropoutOps } from '@momentum-smoe/core';
import { forceKernelBuild } from '../src/wasm/simd/simd-module.js';
import { runOn } from './wasm-helpers.js';

const SEED = 5150;

beforeAll(async () => {
  const report = await initBackend({ backend: 'wasm' });
  expect(report.patches).toContain('MsmoeSeededDropout');
});
afterAll(async () => {
  forceKernelBuild(null);
  await tf.setBackend('wasm');
});

describe('seededDropoutMask (the reference)', () => {
  it.each([0.1, 0.5, 0.9])('drops a fraction rate = %f of 200,000 elements (within 5σ) and scales the rest', (rate) => {
    const n = 200_000;
    const mask = seededDropoutMask(n, rate, 77);
    const kept = mask.filter((v) => v !== 0);
    expect(new Set(kept)).toEqual(new Set([Math.fround(1 / (1 - rate))]));
    const sigma = Math.sqrt(n * rate * (1 - rate));
    expect(Math.abs(n - kept.length - n * rate), `rate ${rate}, seed 77`).toBeLessThan(5 * sigma);
  });

  it('neighbouring elements and seeds are uncorrelated: pairs agree as often as independent draws would', () => {
    const n = 100_000;
    const rate = 0.5;
    const [a, b] = [seededDropoutMask(n + 1, rate, 1), seededDropoutMask(n, rate, 2)];
    const agree = (f: (i: number) => boolean) => Array.from({ length: n }, (_, i) => f(i)).filter(Boolean).length;
    const sigma = Math.sqrt(n * 0.25);
    // same seed, next element; same element, next seed: both ~Binomial(n, 1/2) when independent
    expect(Math.abs(agree((i) => (a[i] === 0) === (a[i + 1] === 0)) - n / 2)).toBeLessThan(5 * sigma);
    expect(Math.abs(agree((i) => (a[i] === 0) === (b[i] === 0)) - n / 2)).toBeLessThan(5 * sigma);
  });

  it('is a pure function of (count prefix, rate, seed)', () => {
    expect(seededDropoutMask(10, 0.3, 9)).toEqual(seededDropoutMask(20, 0.3, 9).subarray(0, 10));
    expect(seededDropoutMask(64, 0.3, 9)).not.toEqual(seededDropoutMask(64, 0.3, 10));
  });
});

describe('seededDropout (wasm SIMD kernel, both builds, and the ops path on cpu)', () => {
  // sizes with and without a tail after the last multiple of 4
  const cases = [
    { shape: [1], rate: 0.5 },
    { shape: [7], rate: 0.2 },
    { shape: [4, 33], rate: 0.1 },
    { shape: [3, 5, 128], rate: 0.7 },
  ];
  it.each(cases)('equals x · seededDropoutMask bit for bit: %o', async ({ shape, rate }) => {
    const size = tf.util.sizeFromShape(shape);
    const rng = new Rng(SEED + size);
    const xs = Float32Array.from(rng.uniformArray(size, -3, 3));
    const seed = rng.nextSeed();
    const mask = seededDropoutMask(size, rate, seed);
    const want = Float64Array.from(xs, (v, i) => Math.fround(v * mask[i]!));
    for (const build of ['relaxed', 'plain'] as const) {
      forceKernelBuild(build);
      const [got] = await runOn('wasm', () => seededDropout(tf.tensor(xs, shape), rate, seed));
      expect(Array.from(got!), `${build} build, seed ${seed}`).toEqual(Array.from(want));
    }
    forceKernelBuild(null);
    const profile = await tf.profile(() => tf.dispose(seededDropout(tf.tensor(xs, shape), rate, seed)));
    expect(profile.kernelNames).toContain('MsmoeSeededDropout'); // the kernel ran, not the ops path
    const [cpu] = await runOn('cpu', () => seededDropout(tf.tensor(xs, shape), rate, seed));
    expect(Array.from(cpu!), `cpu, seed ${seed}`).toEqual(Array.from(want));
    const [ops] = await runOn('wasm', () => seededDropoutOps(tf.tensor(xs, shape), rate, seed));
    expect(Array.from(ops!), `ops on wasm, seed ${seed}`).toEqual(Array.from(want));
  });

  it.each(['wasm', 'cpu'] as const)('its gradient is dy through the same mask, and no tensor leaks (%s)', async (b) => {
    await tf.setBackend(b);
    const shape = [6, 10];
    const rng = new Rng(SEED);
    const [xs, ws] = [Float32Array.from(rng.uniformArray(60, -1, 1)), Float32Array.from(rng.uniformArray(60, -1, 1))];
    const mask = seededDropoutMask(60, 0.4, 123);
    const before = tf.memory().numTensors;
    const dx = tf.tidy(() => {
      const w = tf.tensor(ws, shape);
      return tf.grad((x: tf.Tensor) => tf.sum(tf.mul(seededDropout(x, 0.4, 123), w)))(tf.tensor(xs, shape));
    });
    const got = await dx.data();
    dx.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(got), `${b}, seed 123`).toEqual(Array.from(ws, (w, i) => Math.fround(w * mask[i]!)));
  });

  it('rate 0 is the identity and a rate outside [0, 1) is refused', () => {
    const x = tf.ones([3]);
    expect(seededDropout(x, 0, 1)).toBe(x);
    expect(() => seededDropout(x, 1, 1)).toThrow(/rate must be in \[0, 1\)/);
    x.dispose();
  });
});
