import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Module, Rng, fastmoeExpertInit, initBackend, torchLinearInit } from '@momentum-smoe/core';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

const SEED = 1234;

describe('Rng', () => {
  it('uniform and normal have the right moments (seed 1234)', () => {
    const rng = new Rng(SEED);
    const n = 200_000;
    const u = rng.uniformArray(n);
    const g = rng.normalArray(n);
    const mean = (a: Float32Array) => a.reduce((s, x) => s + x, 0) / a.length;
    const variance = (a: Float32Array) => {
      const m = mean(a);
      return a.reduce((s, x) => s + (x - m) ** 2, 0) / a.length;
    };
    // standard errors: uniform mean sd = sqrt(1/12/n) ≈ 6.5e-4; normal mean sd ≈ 2.2e-3
    expect(Math.abs(mean(u) - 0.5), `seed ${SEED}`).toBeLessThan(4e-3);
    expect(Math.abs(variance(u) - 1 / 12), `seed ${SEED}`).toBeLessThan(2e-3);
    expect(Math.abs(mean(g)), `seed ${SEED}`).toBeLessThan(1e-2);
    expect(Math.abs(variance(g) - 1), `seed ${SEED}`).toBeLessThan(2e-2);
    expect(u.reduce((m, x) => Math.min(m, x), 1)).toBeGreaterThanOrEqual(0);
    expect(u.reduce((m, x) => Math.max(m, x), 0)).toBeLessThan(1);
  });
  it('same seed, same stream; saved state resumes exactly; different seeds differ', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    a.normal(); // leaves a spare Gaussian cached: the state must carry it
    b.normal();
    const saved = a.state();
    const next = [a.normal(), a.uniform(), a.int(10), a.normal()];
    const c = new Rng(999);
    c.setState(JSON.parse(JSON.stringify(saved)) as typeof saved);
    expect([c.normal(), c.uniform(), c.int(10), c.normal()]).toEqual(next);
    expect([b.normal(), b.uniform(), b.int(10), b.normal()]).toEqual(next);
    expect(new Rng(8).uniform()).not.toBe(new Rng(7).uniform());
  });
  it('permutation is a permutation and int is unbiased over its range', () => {
    const rng = new Rng(SEED);
    const p = rng.permutation(1000);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    const counts = new Array(5).fill(0);
    for (let i = 0; i < 50_000; i++) counts[rng.int(5)]++;
    for (const c of counts) expect(Math.abs(c - 10_000), `seed ${SEED}`).toBeLessThan(400);
    expect(() => rng.int(0)).toThrow(/positive integer/);
  });
});

describe('initialisers', () => {
  it('torchLinearInit draws U(±1/√fanIn) for weight and bias', () => {
    const { weight, bias } = torchLinearInit(new Rng(SEED), 400, 300);
    const w = weight.dataSync() as Float32Array;
    const bound = 1 / Math.sqrt(400);
    expect(weight.shape).toEqual([400, 300]);
    expect(bias.shape).toEqual([300]);
    expect(w.reduce((m, x) => Math.max(m, Math.abs(x)), 0)).toBeLessThanOrEqual(bound);
    const variance = w.reduce((s, x) => s + x * x, 0) / w.length;
    expect(Math.abs(variance / ((bound * bound) / 3) - 1), `seed ${SEED}`).toBeLessThan(0.02);
    tf.dispose([weight, bias]);
  });
  it('fastmoeExpertInit uses the stacked-tensor fan-in 1/√(in·out)', () => {
    const w = fastmoeExpertInit(new Rng(SEED), 4, 32, 64);
    const bound = 1 / Math.sqrt(32 * 64);
    const d = w.dataSync() as Float32Array;
    expect(w.shape).toEqual([4, 32, 64]);
    expect(d.reduce((m, x) => Math.max(m, Math.abs(x)), 0)).toBeLessThanOrEqual(bound);
    const variance = d.reduce((s, x) => s + x * x, 0) / d.length;
    expect(Math.abs(variance / ((bound * bound) / 3) - 1), `seed ${SEED}`).toBeLessThan(0.05);
    w.dispose();
  });
});

describe('Module', () => {
  class Leaf extends Module {
    readonly w = this.param('weight', tf.ones([2, 3]));
    readonly b = this.param('bias', tf.zeros([3]), false);
  }
  class Tree extends Module {
    readonly a = this.child('a', new Leaf());
    readonly layers = [0, 1].map((i) => this.child(`layers.${i}`, new Leaf()));
  }
  it('names parameters by dotted path, counts them and separates trainable ones', () => {
    const t = new Tree();
    expect([...t.namedParameters().keys()]).toEqual([
      'a.weight',
      'a.bias',
      'layers.0.weight',
      'layers.0.bias',
      'layers.1.weight',
      'layers.1.bias',
    ]);
    expect(t.parameterCount()).toBe(3 * (6 + 3));
    expect(t.trainableParameters()).toHaveLength(3);
    t.train(false);
    expect(t.layers[1]!.training).toBe(false);
    const before = tf.memory().numTensors;
    t.dispose();
    expect(tf.memory().numTensors).toBe(before - 6);
  });
});
