import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, Rng, initBackend } from '@momentum-smoe/core';
import { NoisyTopKRouter, disposePlan, type RoutingPlan, type TokenChoicePlan } from '@momentum-smoe/routers';
import * as ref from './reference.js';
import { gradients, randomInput, read2d, replay } from './helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const E = 4;
const D = 3;
const T = 10;
const K = 2;

/** Float64 V-MoE router given the noise: top-k of softmax(x·W + noise), batch-priority capacity, raw gates. */
function reference(
  x: ref.Matrix,
  w: ref.Matrix,
  noise: ref.Matrix | null,
  sigma: number,
  capacity: number,
  mask?: number[],
) {
  const logits = ref.linear(x, w);
  const noisy = noise === null ? logits : logits.map((row, t) => row.map((l, e) => l + noise[t]![e]!));
  const gates = noisy.map(ref.softmax);
  const indices = gates.map((g) => ref.topk(g, K));
  const order = x.map((_, t) => t).sort((a, b) => gates[b]![indices[b]![0]!]! - gates[a]![indices[a]![0]!]! || a - b);
  const kept = ref.fill(indices, E, capacity, order, mask);
  const weights = indices.map((row, t) => row.map((e, j) => gates[t]![e]! * kept[t]![j]!));
  const importance = ref.importance(logits.map(ref.softmax), mask);
  const load = noise === null ? null : ref.load(logits, noisy, K, sigma, mask);
  return { indices, kept, weights, importance, load, zLoss: ref.zLoss(logits, mask) };
}

describe('NoisyTopKRouter', () => {
  // C = ceil(2·10·0.7/4) = 4 in training; ceil(2·10·1/4) = 5 → 8 in evaluation.
  const config = (seed: number) => ({
    dModel: D,
    experts: E,
    topK: K,
    capacityFactor: 0.7,
    evalCapacityFactor: 1,
    rng: new Rng(seed),
  });

  for (const [seed, masked] of [
    [41, false],
    [42, true],
  ] as const) {
    it(`training forward (noise std 1/E) matches the reference (seed ${seed}, mask ${masked})`, () => {
      const rng = new Rng(seed);
      const router = new NoisyTopKRouter({ ...config(0), rng });
      const { data, tensor: x } = randomInput(seed, T, D, 2);
      const maskArr = masked ? [1, 0, 1, 1, 1, 1, 1, 0, 1, 1] : undefined;
      const mask = maskArr && tf.tensor1d(maskArr);
      const noise = ref.rows(replay(rng).normalArray(T * E, 0, 1 / E), E);
      const plan = router.route(x, mask ? { mask } : {});
      const r = reference(data, read2d(router.weight), noise, 1 / E, 4, maskArr);
      expect(plan.capacity).toBe(4);
      expect(read2d(plan.indices), `seed ${seed}`).toEqual(r.indices);
      // the host copy dispatch reads instead of the device ids: the same reference ids, row-major
      expect(Array.from(plan.hostIndices!)).toEqual(r.indices.flat());
      expect(read2d(plan.kept), `seed ${seed}`).toEqual(r.kept);
      expect(ref.maxRelErr(plan.weights.dataSync(), r.weights.flat())).toBeLessThan(1e-5);
      expect(plan.losses.importance!.dataSync()[0]).toBeCloseTo(r.importance, 5);
      expect(plan.losses.load!.dataSync()[0]).toBeCloseTo(r.load!, 5);
      expect(plan.auxLoss.dataSync()[0]).toBeCloseTo(0.005 * (r.importance + r.load!), 6);
      disposePlan(plan);
      tf.dispose([x, mask]);
      router.dispose();
    });
  }

  it('evaluation: no noise, no load loss, eval capacity (seed 43)', () => {
    const rng = new Rng(43);
    const router = new NoisyTopKRouter({ ...config(0), rng }).train(false);
    const { data, tensor: x } = randomInput(43, T, D, 2);
    const before = rng.state();
    const plan = router.route(x);
    expect(rng.state()).toEqual(before);
    const r = reference(data, read2d(router.weight), null, 1 / E, 8);
    expect(plan.capacity).toBe(8);
    expect(Object.keys(plan.losses).sort()).toEqual(['importance', 'zLoss']);
    expect(read2d(plan.kept)).toEqual(r.kept);
    expect(ref.maxRelErr(plan.weights.dataSync(), r.weights.flat())).toBeLessThan(1e-5);
    disposePlan(plan);
    x.dispose();
    router.dispose();
  });

  it('noise is reproducible from the seed and advances between calls (seed 44)', () => {
    const a = new NoisyTopKRouter(config(44));
    const b = new NoisyTopKRouter(config(44));
    const x = tf.randomNormal([T, D], 0, 1, 'float32', 44) as tf.Tensor2D;
    const pa1 = a.route(x);
    const pb1 = b.route(x);
    const pa2 = a.route(x);
    expect(Array.from(pa1.weights.dataSync())).toEqual(Array.from(pb1.weights.dataSync()));
    expect(ref.maxRelErr(pa1.weights.dataSync(), pa2.weights.dataSync())).toBeGreaterThan(1e-4);
    [pa1, pb1, pa2].forEach(disposePlan);
    x.dispose();
    a.dispose();
    b.dispose();
  });

  it('gradients (weights, importance, load, z-loss) match finite differences of the reference (seed 45)', () => {
    const seed = 45;
    const lossWeights = { importance: 0.7, load: 0.4, zLoss: 0.05 };
    const rng = new Rng(seed);
    const router = new NoisyTopKRouter({ ...config(0), rng, lossWeights, capacityFactor: 2 });
    const { data, tensor: x } = randomInput(seed, T, D, 2);
    const maskArr = [1, 1, 1, 0, 1, 1, 1, 1, 0, 1];
    const mask = tf.tensor1d(maskArr);
    const c = ref.rows(new Rng(seed + 1).normalArray(T * K), K);
    const cT = tf.tensor2d(c);
    const objective = (p: RoutingPlan) =>
      tf.add(tf.sum(tf.mul((p as TokenChoicePlan).weights, cT)), p.auxLoss) as tf.Scalar;
    // `gradients` routes twice (weights, then x): replay both noise draws.
    const draws = replay(rng);
    const noiseW = ref.rows(draws.normalArray(T * E, 0, 1 / E), E);
    const noiseX = ref.rows(draws.normalArray(T * E, 0, 1 / E), E);
    const got = gradients(router, [router.weight], x, objective, mask);
    const w0 = read2d(router.weight);
    const f = (xx: ref.Matrix, w: ref.Matrix, noise: ref.Matrix) => {
      const r = reference(xx, w, noise, 1 / E, 8, maskArr);
      const direct = r.weights.reduce((a, row, t) => a + row.reduce((s, g, j) => s + g * c[t]![j]!, 0), 0);
      return direct + 0.7 * r.importance + 0.4 * r.load! + 0.05 * r.zLoss;
    };
    expect(
      ref.maxRelErr(
        got.vars[0]!,
        ref.numericGrad((p) => f(data, ref.rows(p, E), noiseW), w0.flat()),
      ),
      `seed ${seed}`,
    ).toBeLessThan(3e-4);
    expect(
      ref.maxRelErr(
        got.x,
        ref.numericGrad((p) => f(ref.rows(p, D), w0, noiseX), data.flat()),
      ),
    ).toBeLessThan(3e-4);
    tf.dispose([x, mask, cT]);
    router.dispose();
  });

  it('rejects bad configuration', () => {
    expect(() => new NoisyTopKRouter({ dModel: 2, experts: 2, topK: 3, rng: new Rng(0) })).toThrow(/topK/);
    expect(() => new NoisyTopKRouter({ dModel: 2, experts: 2, capacityFactor: 0, rng: new Rng(0) })).toThrow(
      ConfigError,
    );
    expect(() => new NoisyTopKRouter({ dModel: 2, experts: 2 })).toThrow(/rng/);
  });

  it('keeps tf.memory().numTensors flat across repeated calls', () => {
    const router = new NoisyTopKRouter(config(46));
    const x = tf.randomNormal([T, D], 0, 1, 'float32', 46) as tf.Tensor2D;
    const mask = tf.tensor1d([1, 1, 1, 1, 1, 0, 0, 1, 1, 1]);
    disposePlan(router.route(x, { mask }));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) disposePlan(router.route(x, { mask }));
    router.train(false);
    for (let i = 0; i < 2; i++) disposePlan(router.route(x, { mask }));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, mask]);
    router.dispose();
  });
});
