import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, Rng, ShapeError, initBackend } from '@momentum-smoe/core';
import { TopKRouter, disposePlan, readMetrics, type RoutingPlan, type TokenChoicePlan } from '@momentum-smoe/routers';
import * as ref from './reference.js';
import { gradients, randomInput, read2d } from './helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** Float64 SMoE gate: top-k on logits, softmax over the chosen logits; weighted objective Σ c·w + aux. */
function reference(x: ref.Matrix, w: ref.Matrix, b: number[], k: number, mask?: number[]) {
  const logits = ref.linear(x, w, b);
  const probs = logits.map(ref.softmax);
  const indices = logits.map((row) => ref.topk(row, k));
  const kept = indices.map((row, t) => row.map(() => (mask === undefined || mask[t] !== 0 ? 1 : 0)));
  const weights = indices.map((row, t) => ref.softmax(row.map((e) => logits[t]![e]!)).map((g, j) => g * kept[t]![j]!));
  return {
    indices,
    weights,
    kept,
    balance: ref.smoeBalance(probs, indices, mask),
    zLoss: ref.zLoss(logits, mask),
    entropy: ref.entropy(probs, mask),
  };
}

const E = 5;
const D = 4;
const T = 7;
const K = 2;

describe('TopKRouter', () => {
  for (const seed of [11, 12]) {
    for (const masked of [false, true]) {
      it(`forward matches the float64 reference (seed ${seed}, mask ${masked})`, async () => {
        const router = new TopKRouter({ dModel: D, experts: E, topK: K, rng: new Rng(seed) });
        const { data, tensor: x } = randomInput(seed + 100, T, D);
        const maskArr = masked ? [1, 1, 0, 1, 0, 1, 1] : undefined;
        const mask = maskArr && tf.tensor1d(maskArr);
        const plan = router.route(x, mask ? { mask } : {});
        const r = reference(data, read2d(router.weight), Array.from(router.bias.dataSync()), K, maskArr);
        expect(plan.kind).toBe('token-choice');
        expect(plan.capacity).toBeNull();
        expect(read2d(plan.indices), `seed ${seed}`).toEqual(r.indices);
        // the host copy dispatch reads instead of the device ids: the same reference ids, row-major
        expect(Array.from(plan.hostIndices!)).toEqual(r.indices.flat());
        expect(read2d(plan.kept)).toEqual(r.kept);
        expect(ref.maxRelErr(plan.weights.dataSync(), r.weights.flat())).toBeLessThan(1e-5);
        expect(plan.losses.balance!.dataSync()[0]).toBeCloseTo(r.balance, 5);
        expect(plan.losses.zLoss!.dataSync()[0]).toBeCloseTo(r.zLoss, 4);
        expect(plan.auxLoss.dataSync()[0]).toBe(0); // official default: no loss weight
        const m = await readMetrics(plan);
        const counts = new Array<number>(E).fill(0);
        r.indices.forEach((row, t) => row.forEach((e, j) => (counts[e]! += r.kept[t]![j]!)));
        expect(m.tokensPerExpert).toEqual(counts);
        expect(m.dropRate).toBe(0);
        expect(m.maxLoad).toBe(Math.max(...counts));
        expect(m.meanLoad).toBeCloseTo(counts.reduce((a, b) => a + b) / E, 6);
        expect(m.routingEntropy).toBeCloseTo(r.entropy, 5);
        disposePlan(plan);
        tf.dispose([x, mask]);
        router.dispose();
      });
    }
  }

  it('gradients of weights and losses match finite differences of the reference (seed 21)', () => {
    const seed = 21;
    const lossWeights = { balance: 0.3, zLoss: 0.2 };
    const router = new TopKRouter({ dModel: D, experts: E, topK: K, rng: new Rng(seed), lossWeights });
    const { data, tensor: x } = randomInput(seed, T, D);
    const maskArr = [1, 0, 1, 1, 1, 1, 0];
    const mask = tf.tensor1d(maskArr);
    const c = ref.rows(new Rng(seed + 1).normalArray(T * K), K);
    const cT = tf.tensor2d(c);
    const objective = (p: RoutingPlan) =>
      tf.add(tf.sum(tf.mul((p as TokenChoicePlan).weights, cT)), p.auxLoss) as tf.Scalar;
    const got = gradients(router, [router.weight, router.bias], x, objective, mask);
    const w0 = read2d(router.weight);
    const b0 = Array.from(router.bias.dataSync());
    const refObjective = (xx: ref.Matrix, w: ref.Matrix, b: number[]) => {
      const r = reference(xx, w, b, K, maskArr);
      const direct = r.weights.reduce((a, row, t) => a + row.reduce((s, g, j) => s + g * c[t]![j]!, 0), 0);
      return direct + lossWeights.balance * r.balance + lossWeights.zLoss * r.zLoss;
    };
    const gw = ref.numericGrad((p) => refObjective(data, ref.rows(p, E), b0), w0.flat());
    const gb = ref.numericGrad((p) => refObjective(data, w0, p), b0);
    const gx = ref.numericGrad((p) => refObjective(ref.rows(p, D), w0, b0), data.flat());
    expect(ref.maxRelErr(got.vars[0]!, gw), `seed ${seed}`).toBeLessThan(2e-4);
    expect(ref.maxRelErr(got.vars[1]!, gb)).toBeLessThan(2e-4);
    expect(ref.maxRelErr(got.x, gx)).toBeLessThan(2e-4);
    tf.dispose([x, mask, cT]);
    router.dispose();
  });

  it('registers weight [d, E] and bias [E] with PyTorch nn.Linear bounds', () => {
    const router = new TopKRouter({ dModel: 16, experts: 3, topK: 1, rng: new Rng(3) });
    const params = router.namedParameters();
    expect([...params.keys()]).toEqual(['weight', 'bias']);
    expect(params.get('weight')!.shape).toEqual([16, 3]);
    expect(params.get('bias')!.shape).toEqual([3]);
    const bound = 1 / Math.sqrt(16);
    const all = [...router.weight.dataSync(), ...router.bias.dataSync()];
    expect(Math.max(...all.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...all.map(Math.abs))).toBeGreaterThan(bound * 0.7);
    router.dispose();
  });

  it('rejects bad configuration and input with typed errors', () => {
    expect(() => new TopKRouter({ dModel: 4, experts: 3, topK: 4 })).toThrow(ConfigError);
    expect(() => new TopKRouter({ dModel: 4, experts: 3, topK: 0 })).toThrow(/topK/);
    expect(() => new TopKRouter({ dModel: 4, experts: 3, topK: 1, lossWeights: { balance: -1 } })).toThrow(ConfigError);
    const router = new TopKRouter({ dModel: 4, experts: 3, topK: 2 });
    const x = tf.zeros([5, 3]) as tf.Tensor2D;
    expect(() => router.route(x)).toThrow(ShapeError);
    const ok = tf.zeros([5, 4]) as tf.Tensor2D;
    const badMask = tf.ones([4]) as tf.Tensor1D;
    expect(() => router.route(ok, { mask: badMask })).toThrow(/mask/);
    tf.dispose([x, ok, badMask]);
    router.dispose();
  });

  it('keeps tf.memory().numTensors flat across repeated calls', () => {
    const router = new TopKRouter({ dModel: D, experts: E, topK: K, rng: new Rng(5), lossWeights: { balance: 0.01 } });
    const x = tf.randomNormal([T, D], 0, 1, 'float32', 5) as tf.Tensor2D;
    const mask = tf.tensor1d([1, 1, 1, 0, 1, 1, 1]);
    disposePlan(router.route(x, { mask }));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) disposePlan(router.route(x, { mask }));
    const kept = Array.from({ length: 3 }, () => tf.tidy(() => router.route(x).auxLoss));
    expect(tf.memory().numTensors).toBe(before + kept.length); // tidy keeps only what it returns
    tf.dispose(kept);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, mask]);
    router.dispose();
  });
});
