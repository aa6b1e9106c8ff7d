import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, Rng, ShapeError, initBackend } from '@momentum-smoe/core';
import { ExpertBank } from '../src/index.js';

const maxAbs = (t: tf.Tensor) => Math.max(...Array.from(t.dataSync(), Math.abs));

describe('ExpertBank', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('fastmoe init: weights U(±1/√(in·out)) filling the range, biases 0 (seed 1)', () => {
    const b = new ExpertBank({ experts: 4, dIn: 16, dHidden: 32, rng: new Rng(1) });
    const bound1 = 1 / Math.sqrt(16 * 32);
    expect(maxAbs(b.w1)).toBeLessThanOrEqual(bound1);
    expect(maxAbs(b.w1), 'seed 1: 2048 draws reach 95% of the bound').toBeGreaterThan(0.95 * bound1);
    expect(maxAbs(b.w2)).toBeLessThanOrEqual(1 / Math.sqrt(32 * 16));
    expect(maxAbs(b.b1) + maxAbs(b.b2)).toBe(0);
    expect([b.w1.shape, b.b1.shape, b.w2.shape, b.b2.shape]).toEqual([
      [4, 16, 32],
      [4, 32],
      [4, 32, 16],
      [4, 16],
    ]);
    b.dispose();
  });

  it('torch init: weights and biases U(±1/√fanIn) (seed 2)', () => {
    const b = new ExpertBank({ experts: 4, dIn: 16, dHidden: 32, dOut: 8, init: 'torch', rng: new Rng(2) });
    expect(maxAbs(b.w1)).toBeLessThanOrEqual(1 / 4);
    expect(maxAbs(b.w1), 'seed 2').toBeGreaterThan(0.95 / 4);
    expect(maxAbs(b.b1)).toBeLessThanOrEqual(1 / 4);
    expect(maxAbs(b.b1), 'seed 2: biases are drawn, not zero').toBeGreaterThan(0.5 / 4);
    expect(maxAbs(b.w2)).toBeLessThanOrEqual(1 / Math.sqrt(32));
    expect(maxAbs(b.b2)).toBeLessThanOrEqual(1 / Math.sqrt(32));
    b.dispose();
  });

  it('dropout acts on the hidden activation in training only, inverted scaling (seed 3)', () => {
    const n = 64;
    const d = 16;
    const b = new ExpertBank({ experts: 1, dIn: d, dHidden: d, dropout: 0.5, init: 'torch', rng: new Rng(3) });
    // Second layer = identity, no bias: the output is the (dropped-out) hidden activation itself.
    b.w2.assign(tf.eye(d).reshape([1, d, d]));
    b.b2.assign(tf.zeros([1, d]));
    const x = tf.tensor2d(new Rng(4).normalArray(n * d), [n, d]);
    const hidden = tf.relu(tf.add(tf.matMul(x, b.w1.reshape([d, d])), b.b1)).dataSync();
    const trained = b.applyGrouped(x, [n]).dataSync();
    let positive = 0;
    let dropped = 0;
    hidden.forEach((h, i) => {
      const y = trained[i]!;
      if (h > 0) {
        positive++;
        if (y === 0) dropped++;
        else expect(Math.abs(y - 2 * h), `seed 3, entry ${i}`).toBeLessThan(1e-5);
      } else expect(y).toBe(0);
    });
    expect(dropped / positive, 'seed 3: about half dropped').toBeGreaterThan(0.4);
    expect(dropped / positive, 'seed 3: about half dropped').toBeLessThan(0.6);
    b.train(false);
    const evaluated = b.applyGrouped(x, [n]).dataSync();
    hidden.forEach((h, i) => expect(Math.abs(evaluated[i]! - h)).toBeLessThan(1e-5));
    x.dispose();
    b.dispose();
  });

  it('rejects bad configuration and inputs with typed errors', () => {
    const rng = new Rng(5);
    expect(() => new ExpertBank({ experts: 0, dIn: 4, dHidden: 4, rng })).toThrow(ConfigError);
    expect(() => new ExpertBank({ experts: 2, dIn: 4, dHidden: 4, dropout: 1, rng })).toThrow(/dropout/);
    expect(() => new ExpertBank({ experts: 2, dIn: 4, dHidden: 4, activation: 'tanh' as 'relu', rng })).toThrow(
      /'relu' or 'gelu'/,
    );
    const b = new ExpertBank({ experts: 2, dIn: 4, dHidden: 4, rng });
    expect(() => b.applyGrouped(tf.zeros([3, 5]) as tf.Tensor2D, [1, 2])).toThrow(ShapeError);
    expect(() => b.applyGrouped(tf.zeros([3, 4]) as tf.Tensor2D, [1, 1])).toThrow(/sum to the rows/);
    expect(() => b.applyBatched(tf.zeros([3, 2, 4]) as tf.Tensor3D)).toThrow(ShapeError);
    b.dispose();
  });
});
