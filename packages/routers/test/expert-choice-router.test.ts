import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, Rng, initBackend } from '@momentum-smoe/core';
import {
  ExpertChoiceRouter,
  disposePlan,
  readMetrics,
  type ExpertChoicePlan,
  type RoutingPlan,
} from '@momentum-smoe/routers';
import * as ref from './reference.js';
import { gradients, randomInput, read2d } from './helpers.js';

// The combine weights are a `gather`, whose gradient kernel (UnsortedSegmentSum) the stock wasm backend lacks until
// core's wasm patch lands; the cpu backend has it.
beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

const E = 3;
const D = 4;
const T = 8;

/** Float64 expert choice: each expert takes its C most probable real tokens (ties to the lower id). */
function reference(x: ref.Matrix, w: ref.Matrix, capacity: number, mask?: number[]) {
  const logits = ref.linear(x, w);
  const probs = logits.map(ref.softmax);
  const real = (t: number) => mask === undefined || mask[t] !== 0;
  const tokenIndices = Array.from({ length: E }, (_, e) =>
    x
      .map((_, t) => t)
      .sort((a, b) => (real(b) ? probs[b]![e]! : -Infinity) - (real(a) ? probs[a]![e]! : -Infinity) || a - b)
      .slice(0, capacity),
  );
  const weights = tokenIndices.map((ts, e) => ts.map((t) => (real(t) ? probs[t]![e]! : 0)));
  const taken = new Set(tokenIndices.flat().filter(real));
  const realCount = x.filter((_, t) => real(t)).length;
  return {
    tokenIndices,
    weights,
    counts: tokenIndices.map((ts) => ts.filter(real).length),
    dropRate: (realCount - taken.size) / realCount,
    zLoss: ref.zLoss(logits, mask),
  };
}

describe('ExpertChoiceRouter', () => {
  for (const [seed, masked] of [
    [51, false],
    [52, true],
  ] as const) {
    it(`forward matches the float64 reference (seed ${seed}, mask ${masked})`, async () => {
      const router = new ExpertChoiceRouter({ dModel: D, experts: E, capacityFactor: 1, rng: new Rng(seed) });
      const { data, tensor: x } = randomInput(seed, T, D);
      const maskArr = masked ? [1, 1, 0, 1, 1, 0, 1, 1] : undefined;
      const mask = maskArr && tf.tensor1d(maskArr);
      const plan = router.route(x, mask ? { mask } : {});
      const r = reference(data, read2d(router.weight), 3, maskArr); // C = ceil(8·1/3) = 3
      expect(plan.kind).toBe('expert-choice');
      expect(plan.capacity).toBe(3);
      expect(read2d(plan.tokenIndices), `seed ${seed}`).toEqual(r.tokenIndices);
      expect(ref.maxRelErr(plan.weights.dataSync(), r.weights.flat())).toBeLessThan(1e-5);
      expect(plan.losses.zLoss!.dataSync()[0]).toBeCloseTo(r.zLoss, 4);
      const m = await readMetrics(plan);
      expect(m.tokensPerExpert).toEqual(r.counts);
      expect(m.dropRate).toBeCloseTo(r.dropRate, 6);
      disposePlan(plan);
      tf.dispose([x, mask]);
      router.dispose();
    });
  }

  it('gradients match finite differences of the reference (seed 53)', () => {
    const seed = 53;
    const router = new ExpertChoiceRouter({
      dModel: D,
      experts: E,
      capacityFactor: 1.5,
      rng: new Rng(seed),
      lossWeights: { zLoss: 0.3 },
    });
    const { data, tensor: x } = randomInput(seed, T, D);
    const maskArr = [1, 1, 1, 1, 0, 1, 1, 1];
    const mask = tf.tensor1d(maskArr);
    const C = 4; // ceil(8·1.5/3)
    const c = ref.rows(new Rng(seed + 1).normalArray(E * C), C);
    const cT = tf.tensor2d(c);
    const objective = (p: RoutingPlan) =>
      tf.add(tf.sum(tf.mul((p as ExpertChoicePlan).weights, cT)), p.auxLoss) as tf.Scalar;
    const got = gradients(router, [router.weight], x, objective, mask);
    const w0 = read2d(router.weight);
    const f = (xx: ref.Matrix, w: ref.Matrix) => {
      const r = reference(xx, w, C, maskArr);
      return r.weights.reduce((a, row, e) => a + row.reduce((s, g, j) => s + g * c[e]![j]!, 0), 0) + 0.3 * r.zLoss;
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

  it('rejects a capacity factor <= 0', () => {
    expect(() => new ExpertChoiceRouter({ dModel: 2, experts: 2, capacityFactor: 0 })).toThrow(ConfigError);
  });

  it('keeps tf.memory().numTensors flat across repeated calls', () => {
    const router = new ExpertChoiceRouter({ dModel: D, experts: E, rng: new Rng(54) });
    const x = tf.randomNormal([T, D], 0, 1, 'float32', 54) as tf.Tensor2D;
    disposePlan(router.route(x));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) disposePlan(router.route(x));
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    router.dispose();
  });
});
