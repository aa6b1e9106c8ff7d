import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import {
  TopKRouter,
  disposePlan,
  readMetrics,
  resolveRouting,
  type RoutingPlan,
  type TokenChoicePlan,
} from '@momentum-smoe/routers';
import * as ref from './reference.js';
import { forbidReads, gradients, randomInput, read2d } from './helpers.js';

const E = 5;
const D = 4;
const T = 9;

let undo = () => {};
afterEach(() => undo());

function router(seed: number, k: number, routing: 'host' | 'device'): TopKRouter {
  const lossWeights = { balance: 0.3, zLoss: 0.2 };
  return new TopKRouter({ dModel: D, experts: E, topK: k, rng: new Rng(seed), lossWeights, routing });
}

/** Largest absolute difference between two tensors. */
function diff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(tf.cast(a, 'float32'), tf.cast(b, 'float32')))).dataSync()[0]!);
}

describe.each(['cpu', 'wasm'] as const)('TopKRouter device routing on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it('auto routes on the host off webgpu', () => {
    expect(resolveRouting('auto')).toBe('host');
    const r = new TopKRouter({ dModel: D, experts: E, topK: 2 });
    const x = tf.ones([3, D]) as tf.Tensor2D;
    const plan = r.route(x);
    expect(plan.hostIndices).not.toBeNull();
    disposePlan(plan);
    tf.dispose(x);
    r.dispose();
  });

  for (const [seed, k, masked] of [
    [31, 2, false],
    [32, 2, true],
    [33, 3, true],
    [34, 1, false],
  ] as const) {
    it(`plan equals the host plan: ids, weights, losses, metrics (seed ${seed}, k ${k}, mask ${masked})`, async () => {
      const host = router(seed, k, 'host');
      const device = router(seed, k, 'device');
      const { data, tensor: x } = randomInput(seed, T, D);
      const mask = masked ? tf.tensor1d([1, 0, 1, 1, 1, 0, 1, 1, 1]) : undefined;
      const options = mask ? { mask } : {};
      const h = host.route(x, options);
      const d = device.route(x, options);
      expect(d.hostIndices, 'a device plan has no host copy').toBeNull();
      const logits = ref.linear(data, read2d(device.weight), Array.from(device.bias.dataSync()));
      expect(read2d(d.indices), `seed ${seed}`).toEqual(logits.map((row) => ref.topk(row, k)));
      expect(read2d(d.indices)).toEqual(read2d(h.indices));
      expect(read2d(d.kept)).toEqual(read2d(h.kept));
      expect(diff(d.weights, h.weights)).toBeLessThan(1e-5);
      for (const name of ['balance', 'zLoss']) expect(diff(d.losses[name]!, h.losses[name]!)).toBeLessThan(1e-5);
      expect(diff(d.auxLoss, h.auxLoss)).toBeLessThan(1e-5);
      const [mh, md] = await Promise.all([readMetrics(h), readMetrics(d)]);
      expect(md.tokensPerExpert).toEqual(mh.tokensPerExpert);
      expect(md.dropRate).toBe(mh.dropRate);
      expect(md.maxLoad).toBe(mh.maxLoad);
      expect(md.meanLoad).toBeCloseTo(mh.meanLoad, 6);
      expect(md.routingEntropy).toBeCloseTo(mh.routingEntropy, 5);
      [h, d].forEach(disposePlan);
      tf.dispose([x, mask]);
      host.dispose();
      device.dispose();
    });
  }

  it('gradients of weights and aux losses equal the host path (seed 41)', () => {
    const seed = 41;
    const host = router(seed, 2, 'host');
    const device = router(seed, 2, 'device');
    const { tensor: x } = randomInput(seed, T, D);
    const mask = tf.tensor1d([1, 1, 0, 1, 1, 1, 0, 1, 1]);
    const c = tf.tensor2d(new Rng(seed + 1).normalArray(T * 2), [T, 2]);
    // Comparing the ids under the tape works, as for a host plan: they are a constant (expert 0's slots count twice).
    const objective = (p: RoutingPlan) => {
      const { weights, indices } = p as TokenChoicePlan;
      const scale = tf.where(tf.equal(indices, 0), 2, 1);
      return tf.add(tf.sum(tf.mul(tf.mul(weights, scale), c)), p.auxLoss) as tf.Scalar;
    };
    const gh = gradients(host, [host.weight, host.bias], x, objective, mask);
    const gd = gradients(device, [device.weight, device.bias], x, objective, mask);
    expect(ref.maxRelErr(gd.vars[0]!, gh.vars[0]!), `seed ${seed}`).toBeLessThan(1e-5);
    expect(ref.maxRelErr(gd.vars[1]!, gh.vars[1]!)).toBeLessThan(1e-5);
    expect(ref.maxRelErr(gd.x, gh.x)).toBeLessThan(1e-5);
    tf.dispose([x, mask, c]);
    host.dispose();
    device.dispose();
  });

  it('ties go to the lower expert id and NaN never beats a number, as on the host', () => {
    const bias = [
      [2, 5, 5, 2, 5],
      [Number.NaN, 1, 1, Number.NaN, 0],
      [0, 0, 0, 0, 0],
      [-Infinity, Number.NaN, -Infinity, 3, -Infinity],
    ];
    for (const b of bias) {
      for (const k of [1, 2, 3, 4]) {
        const expected = ref.topk(
          b.map((v) => (Number.isNaN(v) ? -Infinity : v)),
          k,
        );
        const plans = (['host', 'device'] as const).map((routing) => {
          const r = new TopKRouter({ dModel: D, experts: E, topK: k, routing });
          r.weight.assign(tf.zeros([D, E]));
          r.bias.assign(tf.tensor1d(b));
          const x = tf.ones([2, D]) as tf.Tensor2D;
          const ids = read2d(r.route(x).indices);
          tf.dispose(x);
          r.dispose();
          return ids;
        });
        expect(plans[1], `bias [${b.join(', ')}], k ${k}`).toEqual([expected, expected]);
        expect(plans[0]).toEqual(plans[1]);
      }
    }
  });

  it('routes and differentiates without a single read back', () => {
    const device = router(51, 2, 'device');
    const { tensor: x } = randomInput(51, T, D);
    const mask = tf.tensor1d([1, 1, 1, 0, 1, 1, 1, 1, 1]);
    undo = forbidReads();
    const { value, grads } = tf.variableGrads(() => {
      const plan = device.route(x, { mask });
      return tf.add(tf.sum(tf.square(plan.weights)), plan.auxLoss) as tf.Scalar;
    }, [device.weight, device.bias]);
    expect(() => x.dataSync(), 'the guard sees a read').toThrow(/synchronous read/);
    undo();
    expect(Object.keys(grads).length).toBe(2);
    tf.dispose([value, ...Object.values(grads), x, mask]);
    device.dispose();
  });

  it('keeps tf.memory().numTensors flat across repeated calls', () => {
    const device = router(52, 2, 'device');
    const { tensor: x } = randomInput(52, T, D);
    const mask = tf.tensor1d([1, 1, 1, 0, 1, 1, 1, 1, 1]);
    disposePlan(device.route(x, { mask }));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) disposePlan(device.route(x, { mask }));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, mask]);
    device.dispose();
  });
});
