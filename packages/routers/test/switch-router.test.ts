import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, Rng, initBackend } from '@momentum-smoe/core';
import { SwitchRouter, disposePlan, readMetrics, type RoutingPlan, type TokenChoicePlan } from '@momentum-smoe/routers';
import * as ref from './reference.js';
import { gradients, randomInput, read2d, replay } from './helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const E = 3;
const D = 4;
const T = 9;

/** Float64 Switch router: argmax of softmax(x·W), gate = that probability, capacity by position or gate. */
function reference(x: ref.Matrix, w: ref.Matrix, capacity: number, priority: boolean, mask?: number[]) {
  const logits = ref.linear(x, w);
  const probs = logits.map(ref.softmax);
  const indices = probs.map((p) => ref.topk(p, 1));
  const positions = x.map((_, t) => t);
  const order = priority
    ? positions.sort((a, b) => probs[b]![indices[b]![0]!]! - probs[a]![indices[a]![0]!]! || a - b)
    : positions;
  const kept = ref.fill(indices, E, capacity, order, mask);
  const weights = indices.map((row, t) => [probs[t]![row[0]!]! * kept[t]![0]!]);
  return { indices, kept, weights, balance: ref.switchBalance(probs, indices, mask), zLoss: ref.zLoss(logits, mask) };
}

describe('SwitchRouter', () => {
  for (const [seed, priority, masked] of [
    [31, false, false],
    [32, true, false],
    [33, false, true],
    [34, true, true],
  ] as const) {
    it(`forward matches the float64 reference (seed ${seed}, priority ${priority}, mask ${masked})`, async () => {
      const router = new SwitchRouter({
        dModel: D,
        experts: E,
        capacityFactor: 1,
        batchPriority: priority,
        rng: new Rng(seed),
      });
      const { data, tensor: x } = randomInput(seed, T, D);
      const maskArr = masked ? [1, 1, 1, 0, 1, 1, 0, 1, 1] : undefined;
      const mask = maskArr && tf.tensor1d(maskArr);
      const plan = router.route(x, mask ? { mask } : {});
      const r = reference(data, read2d(router.weight), 3, priority, maskArr);
      expect(plan.capacity).toBe(3);
      expect(read2d(plan.indices), `seed ${seed}`).toEqual(r.indices);
      // the host copy dispatch reads instead of the device ids: the same reference ids, row-major
      expect(Array.from(plan.hostIndices!)).toEqual(r.indices.flat());
      expect(read2d(plan.kept), `seed ${seed}`).toEqual(r.kept);
      expect(ref.maxRelErr(plan.weights.dataSync(), r.weights.flat())).toBeLessThan(1e-5);
      expect(plan.losses.balance!.dataSync()[0]).toBeCloseTo(r.balance, 5);
      expect(plan.losses.zLoss!.dataSync()[0]).toBeCloseTo(r.zLoss, 4);
      expect(plan.auxLoss.dataSync()[0]).toBeCloseTo(0.01 * r.balance, 7); // default weights
      const real = maskArr ? maskArr.filter((m) => m !== 0).length : T;
      const keptCount = r.kept.flat().reduce((a, b) => a + b, 0);
      expect((await readMetrics(plan)).dropRate).toBeCloseTo(1 - keptCount / real, 6);
      disposePlan(plan);
      tf.dispose([x, mask]);
      router.dispose();
    });
  }

  it('gradients match finite differences of the reference (seed 35)', () => {
    const seed = 35;
    const lossWeights = { balance: 0.5, zLoss: 0.1 };
    const router = new SwitchRouter({ dModel: D, experts: E, capacityFactor: 1, rng: new Rng(seed), lossWeights });
    const { data, tensor: x } = randomInput(seed, T, D);
    const maskArr = [1, 1, 1, 1, 0, 1, 1, 1, 1];
    const mask = tf.tensor1d(maskArr);
    const c = new Rng(seed + 1).normalArray(T).map((v) => v);
    const cT = tf.tensor2d(c, [T, 1]);
    const objective = (p: RoutingPlan) =>
      tf.add(tf.sum(tf.mul((p as TokenChoicePlan).weights, cT)), p.auxLoss) as tf.Scalar;
    const got = gradients(router, [router.weight], x, objective, mask);
    const w0 = read2d(router.weight);
    const f = (xx: ref.Matrix, w: ref.Matrix) => {
      const r = reference(xx, w, 3, false, maskArr);
      return r.weights.reduce((a, row, t) => a + row[0]! * c[t]!, 0) + 0.5 * r.balance + 0.1 * r.zLoss;
    };
    expect(
      ref.maxRelErr(
        got.vars[0]!,
        ref.numericGrad((p) => f(data, ref.rows(p, E)), w0.flat()),
      ),
      `seed ${seed}`,
    ).toBeLessThan(2e-4);
    expect(
      ref.maxRelErr(
        got.x,
        ref.numericGrad((p) => f(ref.rows(p, D), w0), data.flat()),
      ),
    ).toBeLessThan(2e-4);
    tf.dispose([x, mask, cT]);
    router.dispose();
  });

  it('jitter multiplies the input by U(1−ε, 1+ε) from the seeded rng, in training only (seed 36)', () => {
    const rng = new Rng(36);
    const router = new SwitchRouter({ dModel: D, experts: E, jitter: 0.3, capacityFactor: null, rng });
    const { data, tensor: x } = randomInput(36, T, D);
    const w = read2d(router.weight);
    const draws = replay(rng).uniformArray(T * D, 0.7, 1.3);
    const jittered = data.map((row, t) => row.map((v, i) => v * draws[t * D + i]!));
    const plan = router.route(x);
    const r = reference(jittered, w, T, false);
    expect(plan.capacity).toBeNull();
    expect(ref.maxRelErr(plan.weights.dataSync(), r.weights.flat())).toBeLessThan(1e-5);
    disposePlan(plan);
    // evaluation: no draw, the clean reference
    router.train(false);
    const before = rng.state();
    const evalPlan = router.route(x);
    expect(rng.state()).toEqual(before);
    expect(ref.maxRelErr(evalPlan.weights.dataSync(), reference(data, w, T, false).weights.flat())).toBeLessThan(1e-5);
    disposePlan(evalPlan);
    x.dispose();
    router.dispose();
  });

  it('rejects a capacity factor <= 0 and jitter without an rng', () => {
    expect(() => new SwitchRouter({ dModel: 2, experts: 2, capacityFactor: 0 })).toThrow(ConfigError);
    expect(() => new SwitchRouter({ dModel: 2, experts: 2, evalCapacityFactor: -1 })).toThrow(/evalCapacityFactor/);
    expect(() => new SwitchRouter({ dModel: 2, experts: 2, jitter: 0.1 })).toThrow(/rng/);
  });

  it('keeps tf.memory().numTensors flat across repeated calls', () => {
    const router = new SwitchRouter({ dModel: D, experts: E, jitter: 0.1, batchPriority: true, rng: new Rng(37) });
    const x = tf.randomNormal([T, D], 0, 1, 'float32', 37) as tf.Tensor2D;
    disposePlan(router.route(x));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) disposePlan(router.route(x));
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    router.dispose();
  });
});
