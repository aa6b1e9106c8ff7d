import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@momentum-smoe/core';
import { Adam } from '../src/training/optimizer.js';
import { warmupConstant, warmupLinearDecay } from '../src/training/schedule.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** PyTorch's Adam (+ decoupled decay, + global-norm clipping) in float64, written from its documented update. */
function referenceAdam(
  p: number[],
  grads: number[][],
  lrs: number[],
  o: { b1: number; b2: number; eps: number; wd: number; clip?: number },
) {
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  const x = [...p];
  grads.forEach((g0, t) => {
    const norm = Math.sqrt(g0.reduce((s, g) => s + g * g, 0));
    const scale = o.clip === undefined ? 1 : Math.min(1, o.clip / (norm + 1e-6));
    const step = t + 1;
    for (let i = 0; i < x.length; i++) {
      const g = g0[i]! * scale;
      m[i] = o.b1 * m[i]! + (1 - o.b1) * g;
      v[i] = o.b2 * v[i]! + (1 - o.b2) * g * g;
      const upd = m[i]! / (1 - o.b1 ** step) / (Math.sqrt(v[i]! / (1 - o.b2 ** step)) + o.eps) + o.wd * x[i]!;
      x[i] = x[i]! - lrs[t]! * upd;
    }
  });
  return x;
}

describe('Adam', () => {
  it('matches a float64 reference with clipping and decoupled weight decay; state round-trips', async () => {
    const seed = 11;
    const init = [0.5, -1.5, 2, 0.25];
    const w = tf.variable(tf.tensor1d(init));
    const params = new Map([['w', w]]);
    const opt = new Adam(params, { weightDecay: 0.1, decay: (n) => n === 'w', clipNorm: 1.0 });
    const gs = [
      [3, -1, 0.5, 2],
      [0.1, 0.2, -0.3, 0.4],
      [-2, 2, -2, 2],
    ];
    const lrs = [0.1, 0.05, 0.02];
    gs.forEach((g, t) => tf.tidy(() => opt.apply({ [w.name]: tf.tensor1d(g) }, lrs[t]!)).dispose());
    const expected = referenceAdam(init, gs, lrs, { b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.1, clip: 1.0 });
    const got = Array.from(w.dataSync());
    got.forEach((g, i) => expect(g, `seed ${seed}, i=${i}`).toBeCloseTo(expected[i]!, 5));

    const w2 = tf.variable(tf.tensor1d(got));
    const opt2 = new Adam(new Map([['w', w2]]), { weightDecay: 0.1, decay: (n) => n === 'w', clipNorm: 1.0 });
    opt2.load(await opt.state(), opt.step);
    const g4 = [1, 1, -1, 0.5];
    opt.apply({ [w.name]: tf.tensor1d(g4) }, 0.01).dispose();
    opt2.apply({ [w2.name]: tf.tensor1d(g4) }, 0.01).dispose();
    expect(Array.from(w2.dataSync())).toEqual(Array.from(w.dataSync()));
    expect(() => opt2.load(new Map(), 1)).toThrow(/missing w\.exp_avg/);
    tf.dispose([w, w2]);
    opt.dispose();
    opt2.dispose();
  });

  it('keeps the tensor count flat across steps', () => {
    const w = tf.variable(tf.randomNormal([8, 8], 0, 1, 'float32', 3));
    const start = tf.memory().numTensors;
    const opt = new Adam(new Map([['w', w]]));
    expect(tf.memory().numTensors).toBe(start + 2); // exactly the two moment buffers
    const step = () => tf.tidy(() => opt.apply({ [w.name]: tf.onesLike(w) }, 1e-3)).dispose();
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    expect(tf.memory().numTensors).toBe(start);
    w.dispose();
  });
});

describe('schedules', () => {
  it('official warm-up then constant: min(1, step/warmup)·peak', () => {
    const lr = warmupConstant(7e-4, 4000);
    expect(lr(1)).toBeCloseTo(7e-4 / 4000, 12);
    expect(lr(2000)).toBeCloseTo(3.5e-4, 12);
    expect(lr(4000)).toBe(7e-4);
    expect(lr(80_000)).toBe(7e-4);
  });
  it('V-MoE warm-up then linear decay to 1e-5', () => {
    const lr = warmupLinearDecay(3e-3, 10, 110);
    expect(lr(5)).toBeCloseTo(1.5e-3, 12);
    expect(lr(10)).toBeCloseTo(3e-3, 12);
    expect(lr(60)).toBeCloseTo((3e-3 + 1e-5) / 2, 12);
    expect(lr(110)).toBeCloseTo(1e-5, 12);
  });
});
