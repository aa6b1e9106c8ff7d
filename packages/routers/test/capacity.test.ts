import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@momentum-smoe/core';
import { NoisyTopKRouter, SwitchRouter, disposePlan, expertCapacity, readMetrics } from '@momentum-smoe/routers';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('expertCapacity', () => {
  it('is ceil(k·T·cf/E), rounded up to the multiple, at most T', () => {
    expect(expertCapacity({ tokens: 400, experts: 8, topK: 2, factor: 1.05, multipleOf: 4 })).toBe(108); // 105 → 108
    // 16.8 → 17 → 20
    expect(expertCapacity({ tokens: 32, experts: 4, topK: 2, factor: 1.05, multipleOf: 4 })).toBe(20);
    expect(expertCapacity({ tokens: 10, experts: 2, topK: 2, factor: 4 })).toBe(10); // 40 clamped to T
    expect(expertCapacity({ tokens: 16, experts: 4, topK: 1, factor: 1 })).toBe(4);
    expect(expertCapacity({ tokens: 7, experts: 4, topK: 1, factor: 1.25 })).toBe(3); // 2.1875 → 3
  });
});

/** Sets a router's weight: with x = [a, b] and W = I, expert 0 gets logit a and expert 1 logit b. */
function identityWeight(router: { weight: tf.Variable }) {
  router.weight.assign(tf.eye(2));
}

describe('capacity dropping follows the priority order', () => {
  // Every token prefers expert 0 (a > b); its margin a − b sets its top gate value.
  const x = () =>
    tf.tensor2d([
      [0.2, 0], // token 0, gate ≈ 0.55
      [3, 0], //   token 1, gate ≈ 0.95
      [1, 0], //   token 2, gate ≈ 0.73
      [2, 0], //   token 3, gate ≈ 0.88
      [0, 1], //   token 4 prefers expert 1
      [0.5, 0], // token 5, gate ≈ 0.62
    ]);

  it('Switch by position keeps the first C tokens per expert', async () => {
    const router = new SwitchRouter({ dModel: 2, experts: 2, capacityFactor: 2 / 3 }); // C = ceil(6·(2/3)/2) = 2
    identityWeight(router);
    const input = x();
    const plan = router.route(input);
    expect(plan.capacity).toBe(2);
    expect(Array.from(plan.indices.dataSync())).toEqual([0, 0, 0, 0, 1, 0]);
    expect(Array.from(plan.kept.dataSync())).toEqual([1, 1, 0, 0, 1, 0]); // tokens 0 and 1 take expert 0
    const w = plan.weights.dataSync();
    expect([w[2], w[3], w[5]]).toEqual([0, 0, 0]);
    const m = await readMetrics(plan);
    expect(m.dropRate).toBeCloseTo(3 / 6, 6);
    expect(m.tokensPerExpert).toEqual([2, 1]);
    disposePlan(plan);
    input.dispose();
    router.dispose();
  });

  it('Switch with batch priority keeps the tokens with the largest gates', () => {
    const router = new SwitchRouter({ dModel: 2, experts: 2, capacityFactor: 2 / 3, batchPriority: true });
    identityWeight(router);
    const input = x();
    const plan = router.route(input);
    expect(Array.from(plan.kept.dataSync())).toEqual([0, 1, 0, 1, 1, 0]); // tokens 1 (0.95) and 3 (0.88)
    disposePlan(plan);
    input.dispose();
    router.dispose();
  });

  it('padding takes no capacity', () => {
    const router = new SwitchRouter({ dModel: 2, experts: 2, capacityFactor: 2 / 3 });
    identityWeight(router);
    const input = x();
    const mask = tf.tensor1d([0, 1, 1, 1, 1, 1]);
    const plan = router.route(input, { mask });
    expect(Array.from(plan.kept.dataSync())).toEqual([0, 1, 1, 0, 1, 0]); // token 0 is padding: 1 and 2 fill expert 0
    disposePlan(plan);
    tf.dispose([input, mask]);
    router.dispose();
  });

  it('NoisyTopK fills every first choice before any second choice, in gate order', () => {
    // 4 experts, k = 2, T = 8, eval capacity factor 1 → C = ceil(2·8/4) = 4 (a multiple of 4).
    const router = new NoisyTopKRouter({ dModel: 4, experts: 4, topK: 2, noiseStd: 0, evalCapacityFactor: 1 });
    router.weight.assign(tf.eye(4));
    router.train(false);
    // Tokens 0-4 choose (0, 1); tokens 5-7 choose (1, 0) with rising confidence.
    const input = tf.tensor2d([
      [3, 2, 0, 0],
      [4, 2, 0, 0],
      [2, 1, 0, 0],
      [5, 2, 0, 0],
      [1, 0.5, 0, 0],
      [2, 3, 0, 0],
      [0, 2, 0, 0],
      [0, 6, 0, 0],
    ]);
    const plan = router.route(input);
    expect(plan.capacity).toBe(4);
    expect(Array.from(plan.indices.dataSync())).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0]);
    // First choices, by top gate (token 7 > 3 > 1 > 0 > 6 > 2 > 5 > 4 by max softmax):
    // expert 0 takes 3, 1, 0, 2 and is full (token 4 dropped); expert 1 takes 7, 6, 5.
    // Second choices in the same order: expert 1 has one place left and gives it to token 3 (of 3, 1, 0, 2, 4).
    // Expert 0 is full for tokens 7, 6, 5.
    expect(Array.from(plan.kept.dataSync())).toEqual([1, 0, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 1, 0]);
    disposePlan(plan);
    input.dispose();
    router.dispose();
  });
});
