import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import {
  NoisyTopKRouter,
  type NoisyTopKRouterConfig,
  disposePlan,
  readMetrics,
  type RoutingPlan,
  type TokenChoicePlan,
} from '@momentum-smoe/routers';
import * as ref from './reference.js';
import { forbidReads, gradients, randomInput, read2d } from './helpers.js';

const E = 4;
const D = 3;
const T = 14;
const K = 2;

let undo = () => {};
afterEach(() => undo());

/**
 * A host and a device router from the same seed (so the same weights and the same noise draws). Capacity: training
 * ceil(2·14·0.4/4) = 3 → 4, evaluation ceil(2·14·0.5/4) = 4: 28 assignments for 16 places, so slots drop.
 */
function pair(seed: number, extra: Partial<NoisyTopKRouterConfig> = {}): [NoisyTopKRouter, NoisyTopKRouter] {
  const make = (routing: 'host' | 'device') =>
    new NoisyTopKRouter({
      dModel: D,
      experts: E,
      topK: K,
      rng: new Rng(seed),
      capacityFactor: 0.4,
      evalCapacityFactor: 0.5,
      lossWeights: { importance: 0.3, load: 0.2, zLoss: 0.1 },
      routing,
      ...extra,
    });
  return [make('host'), make('device')];
}

/** Largest absolute difference between two tensors. */
function diff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(tf.cast(a, 'float32'), tf.cast(b, 'float32')))).dataSync()[0]!);
}

/** Asserts that two plans agree on every field; returns the host plan's drop rate. */
async function expectSamePlans(h: TokenChoicePlan, d: TokenChoicePlan, what: string): Promise<number> {
  expect(d.hostIndices, 'a device plan has no host copy').toBeNull();
  expect(d.capacity, what).toBe(h.capacity);
  expect(read2d(d.indices), what).toEqual(read2d(h.indices));
  expect(read2d(d.kept), what).toEqual(read2d(h.kept));
  expect(diff(d.weights, h.weights), what).toBeLessThan(1e-6);
  expect(Object.keys(d.losses).sort(), what).toEqual(Object.keys(h.losses).sort());
  for (const name of Object.keys(h.losses)) expect(diff(d.losses[name]!, h.losses[name]!), name).toBeLessThan(1e-6);
  expect(diff(d.auxLoss, h.auxLoss), what).toBeLessThan(1e-6);
  const [mh, md] = await Promise.all([readMetrics(h), readMetrics(d)]);
  expect(md.tokensPerExpert, what).toEqual(mh.tokensPerExpert);
  expect(md.dropRate, what).toBeCloseTo(mh.dropRate, 6);
  expect(md.maxLoad, what).toBe(mh.maxLoad);
  expect(md.meanLoad, what).toBeCloseTo(mh.meanLoad, 6);
  expect(md.routingEntropy, what).toBeCloseTo(mh.routingEntropy, 5);
  return mh.dropRate;
}

describe.each(['cpu', 'wasm'] as const)('NoisyTopKRouter device routing on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  for (const [seed, training, priority, masked] of [
    [61, true, true, false],
    [62, true, true, true],
    [63, true, false, true],
    [64, false, true, false],
    [65, false, true, true],
    [66, false, false, false],
  ] as const) {
    const what = `seed ${seed}, ${training ? 'training' : 'evaluation'}, priority ${priority}, mask ${masked}`;
    it(`plan equals the host plan with capacity drops: ids, kept, weights, losses, metrics (${what})`, async () => {
      const [host, device] = pair(seed, { batchPriority: priority });
      [host, device].forEach((r) => r.train(training));
      // Tokens 2, 5 and 9 are copies of token 0: ties in priority (broken by position) when no noise is drawn.
      const { data } = randomInput(seed, T, D, 2);
      for (const t of [2, 5, 9]) data[t] = [...data[0]!];
      const x = tf.tensor2d(data);
      const mask = masked ? tf.tensor1d([1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 1]) : undefined;
      const options = mask ? { mask } : {};
      for (let call = 0; call < 2; call++) {
        const h = host.route(x, options);
        const d = device.route(x, options);
        const dropRate = await expectSamePlans(h, d, `${what}, call ${call}`);
        expect(dropRate, 'capacity drops some slots').toBeGreaterThan(0);
        [h, d].forEach(disposePlan);
      }
      tf.dispose([x, mask]);
      host.dispose();
      device.dispose();
    });
  }

  it('ties in priority go to the earlier token, as the reference fill (seed 67)', () => {
    const [, device] = pair(67);
    device.train(false);
    // Eight copies of one token and six others: every copy has the same top gate.
    const { data } = randomInput(67, T, D, 2);
    for (let t = 3; t < 11; t++) data[t] = [...data[1]!];
    const x = tf.tensor2d(data);
    const plan = device.route(x);
    const gates = ref.linear(data, read2d(device.weight)).map(ref.softmax);
    const indices = gates.map((g) => ref.topk(g, K));
    const top = (t: number) => gates[t]![indices[t]![0]!]!;
    const order = data.map((_, t) => t).sort((a, b) => top(b) - top(a) || a - b);
    expect(read2d(plan.indices)).toEqual(indices);
    expect(read2d(plan.kept), 'seed 67').toEqual(ref.fill(indices, E, plan.capacity!, order));
    disposePlan(plan);
    x.dispose();
    device.dispose();
  });

  it('gradients of the weights, x and every loss equal the host path, with noise and drops (seed 68)', () => {
    const seed = 68;
    const [host, device] = pair(seed);
    const { tensor: x } = randomInput(seed, T, D, 2);
    const mask = tf.tensor1d([1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1]);
    const c = tf.tensor2d(new Rng(seed + 1).normalArray(T * K), [T, K]);
    const objective = (p: RoutingPlan) =>
      tf.add(tf.sum(tf.mul((p as TokenChoicePlan).weights, c)), p.auxLoss) as tf.Scalar;
    const gh = gradients(host, [host.weight], x, objective, mask);
    const gd = gradients(device, [device.weight], x, objective, mask);
    expect(ref.maxRelErr(gd.vars[0]!, gh.vars[0]!), `seed ${seed}`).toBeLessThan(1e-5);
    expect(ref.maxRelErr(gd.x, gh.x), `seed ${seed}`).toBeLessThan(1e-5);
    tf.dispose([x, mask, c]);
    host.dispose();
    device.dispose();
  });

  it('routes and differentiates without a single read back (seed 69)', () => {
    const [host, device] = pair(69);
    host.dispose();
    const { tensor: x } = randomInput(69, T, D);
    const mask = tf.tensor1d([1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    undo = forbidReads();
    const { value, grads } = tf.variableGrads(() => {
      const plan = device.route(x, { mask });
      return tf.add(tf.sum(tf.square(plan.weights)), plan.auxLoss) as tf.Scalar;
    }, [device.weight]);
    expect(() => x.dataSync(), 'the guard sees a read').toThrow(/synchronous read/);
    undo();
    expect(Object.keys(grads).length).toBe(1);
    tf.dispose([value, ...Object.values(grads), x, mask]);
    device.dispose();
  });

  it('keeps tf.memory().numTensors flat across repeated calls (seed 70)', () => {
    const [host, device] = pair(70);
    host.dispose();
    const { tensor: x } = randomInput(70, T, D);
    const mask = tf.tensor1d([1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    disposePlan(device.route(x, { mask }));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) disposePlan(device.route(x, { mask }));
    device.train(false);
    for (let i = 0; i < 2; i++) disposePlan(device.route(x));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, mask]);
    device.dispose();
  });
});
