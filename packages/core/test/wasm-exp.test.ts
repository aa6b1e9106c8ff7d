import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import { forceKernelBuild } from '../src/wasm/simd/simd-module.js';

const SEED = 3301;
const FLT_MIN_NORMAL = 1.1754943508222875e-38;

beforeAll(async () => {
  const report = await initBackend({ backend: 'wasm' });
  expect(report.patches).toContain('Exp');
});

/** The float32 nearest to e^x (float64 Math.exp, rounded once). */
const reference = (x: number) => Math.fround(Math.exp(x));

/** Checks got against e^x: ≤ 2 ulp relative for normal results, ≤ 2 denormal steps below, inf / 0 / NaN exactly. */
function expectExp(xs: Float32Array, got: Float32Array, what: string): void {
  xs.forEach((x, i) => {
    const ref = reference(x);
    const g = got[i]!;
    const where = `${what}: exp(${x}) = ${g}, expected ${ref}`;
    if (Number.isNaN(x)) expect(Number.isNaN(g), where).toBe(true);
    else if (!Number.isFinite(ref) || ref === 0) expect(g, where).toBe(ref);
    else if (ref >= FLT_MIN_NORMAL) expect(Math.abs(g - ref) / ref, where).toBeLessThanOrEqual(2 * 2 ** -23);
    else expect(Math.abs(g - ref), where).toBeLessThanOrEqual(2 * 2 ** -149);
  });
}

describe('Exp patch on wasm (SIMD)', () => {
  // the relaxed build fuses the polynomial's multiply-adds
  it.each(['relaxed', 'plain'] as const)(
    '%s build: matches e^x to 2 ulp on random inputs, and on the edges (overflow, denormals, underflow, ±inf, NaN)',
    async (build) => {
      await tf.setBackend('wasm');
      forceKernelBuild(build);
      onTestFinished(() => forceKernelBuild(null));
      const rng = new Rng(SEED);
      const edges = [
        0,
        -0,
        1e-8,
        -1e-8,
        0.5,
        -0.5,
        1,
        -1,
        10,
        -10,
        80,
        -80,
        88.72,
        88.7228,
        88.73,
        89,
        100,
        -87.3,
        -87.34,
        -88,
        -95,
        -100,
        -103.2,
        -103.9,
        -104,
        -110,
        Infinity,
        -Infinity,
        NaN,
        Math.LN2 / 2,
        -Math.LN2 / 2,
        1000,
        -1000,
      ];
      // 1003 values: not a multiple of 4, so the one-at-a-time tail runs too
      const xs = Float32Array.from([...edges, ...rng.uniformArray(1003 - edges.length, -30, 30)]);
      const got = tf.tidy(() => tf.exp(tf.tensor1d(xs)).dataSync() as Float32Array);
      expectExp(xs, got, `${build} build, seed ${SEED}`);
    },
  );

  it('keeps int32 inputs (the stock kernel) and the gradient dy·e^x', async () => {
    await tf.setBackend('wasm');
    expect(Array.from(await tf.exp(tf.tensor1d([0, 1, 2], 'int32')).data()).map((v) => Math.fround(v))).toEqual(
      [1, Math.E, Math.exp(2)].map(Math.fround),
    );
    const x = tf.tensor1d([-2, 0.5, 3]);
    const g = tf.grad((t) => tf.sum(tf.mul(tf.exp(t), tf.tensor1d([1, 2, 3]))))(x);
    expectExp(
      Float32Array.from([-2, 0.5, 3]),
      Float32Array.from(await g.data()).map((v, i) => v / [1, 2, 3][i]!),
      'gradient',
    );
    tf.dispose([x, g]);
  });
});
