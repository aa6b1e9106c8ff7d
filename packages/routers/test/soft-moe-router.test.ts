import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, Rng, initBackend } from '@momentum-smoe/core';
import { SoftMoERouter, disposePlan, readMetrics, type RoutingPlan, type SoftPlan } from '@momentum-smoe/routers';
import * as ref from './reference.js';
import { gradients, randomInput, read2d } from './helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const E = 3;
const S = 2;
const D = 4;
const T = 6;

/** Float64 Soft MoE: dispatch = softmax over real tokens per slot, combine = softmax over slots per real token. */
function reference(x: ref.Matrix, phi: ref.Matrix, mask?: number[]) {
  const logits = ref.linear(x, phi);
  const real = (t: number) => mask === undefined || mask[t] !== 0;
  const slots = logits[0]!.length;
  const dispatch = logits.map((row) => row.map(() => 0));
  for (let s = 0; s < slots; s++) {
    const column = logits.filter((_, t) => real(t)).map((row) => row[s]!);
    const lse = ref.logSumExp(column);
    logits.forEach((row, t) => (dispatch[t]![s] = real(t) ? Math.exp(row[s]! - lse) : 0));
  }
  const combine = logits.map((row, t) => (real(t) ? ref.softmax(row) : row.map(() => 0)));
  const perExpert = Array.from({ length: E }, (_, e) =>
    combine.reduce((a, row) => a + row.slice(e * S, (e + 1) * S).reduce((p, q) => p + q, 0), 0),
  );
  return { dispatch, combine, perExpert, entropy: ref.entropy(logits.map(ref.softmax), mask) };
}

describe('SoftMoERouter', () => {
  for (const [seed, masked] of [
    [61, false],
    [62, true],
  ] as const) {
    it(`forward matches the float64 reference (seed ${seed}, mask ${masked})`, async () => {
      const router = new SoftMoERouter({ dModel: D, experts: E, slotsPerExpert: S, rng: new Rng(seed) });
      const { data, tensor: x } = randomInput(seed, T, D);
      const maskArr = masked ? [1, 0, 1, 1, 0, 1] : undefined;
      const mask = maskArr && tf.tensor1d(maskArr);
      const plan = router.route(x, mask ? { mask } : {});
      const r = reference(data, read2d(router.phi), maskArr);
      expect(plan.kind).toBe('soft');
      expect(plan.slotsPerExpert).toBe(S);
      expect(ref.maxRelErr(plan.dispatch.dataSync(), r.dispatch.flat()), `seed ${seed}`).toBeLessThan(1e-5);
      expect(ref.maxRelErr(plan.combine.dataSync(), r.combine.flat())).toBeLessThan(1e-5);
      const m = await readMetrics(plan);
      expect(ref.maxRelErr(m.tokensPerExpert, r.perExpert)).toBeLessThan(1e-5);
      expect(m.routingEntropy).toBeCloseTo(r.entropy, 5);
      expect(m.maxLoad).toBeCloseTo(Math.max(...r.perExpert), 5);
      expect(m.dropRate).toBe(0);
      disposePlan(plan);
      tf.dispose([x, mask]);
      router.dispose();
    });
  }

  it('gradients of dispatch and combine match finite differences of the reference (seed 63)', () => {
    const seed = 63;
    const router = new SoftMoERouter({ dModel: D, experts: E, slotsPerExpert: S, rng: new Rng(seed) });
    const { data, tensor: x } = randomInput(seed, T, D);
    const maskArr = [1, 1, 0, 1, 1, 1];
    const mask = tf.tensor1d(maskArr);
    const draws = new Rng(seed + 1);
    const a = ref.rows(draws.normalArray(T * E * S), E * S);
    const b = ref.rows(draws.normalArray(T * E * S), E * S);
    const [aT, bT] = [tf.tensor2d(a), tf.tensor2d(b)];
    const objective = (p: RoutingPlan) =>
      tf.add(tf.sum(tf.mul((p as SoftPlan).dispatch, aT)), tf.sum(tf.mul((p as SoftPlan).combine, bT))) as tf.Scalar;
    const got = gradients(router, [router.phi], x, objective, mask);
    const phi0 = read2d(router.phi);
    const dot = (m: ref.Matrix, n: ref.Matrix) =>
      m.reduce((acc, row, t) => acc + row.reduce((s, v, j) => s + v * n[t]![j]!, 0), 0);
    const f = (xx: ref.Matrix, phi: ref.Matrix) => {
      const r = reference(xx, phi, maskArr);
      return dot(r.dispatch, a) + dot(r.combine, b);
    };
    expect(
      ref.maxRelErr(
        got.vars[0]!,
        ref.numericGrad((p) => f(data, ref.rows(p, E * S)), phi0.flat()),
      ),
      `seed ${seed}`,
    ).toBeLessThan(2e-4);
    expect(
      ref.maxRelErr(
        got.x,
        ref.numericGrad((p) => f(ref.rows(p, D), phi0), data.flat()),
      ),
    ).toBeLessThan(2e-4);
    tf.dispose([x, mask, aT, bT]);
    router.dispose();
  });

  it('normalize: logits = scale·(x/‖x‖)·(Φ/‖Φ‖) with ‖v‖ = √(Σv² + 1e-6), and the scale gets its gradient (seed 65)', () => {
    const seed = 65;
    const router = new SoftMoERouter({ dModel: D, experts: E, slotsPerExpert: S, rng: new Rng(seed), normalize: true });
    router.scale!.assign(tf.scalar(2.5));
    const { data, tensor: x } = randomInput(seed, T, D);
    const phi = read2d(router.phi);
    const unitRows = (m: ref.Matrix) =>
      m.map((row) => row.map((v) => v / Math.sqrt(row.reduce((a, w) => a + w * w, 0) + 1e-6)));
    const columnNorms = phi[0]!.map((_, j) => Math.sqrt(phi.reduce((a, row) => a + row[j]! ** 2, 0) + 1e-6));
    const unitPhi = phi.map((row) => row.map((v, j) => (2.5 * v) / columnNorms[j]!));
    const r = reference(unitRows(data), unitPhi);
    const plan = router.route(x);
    expect(ref.maxRelErr(plan.dispatch.dataSync(), r.dispatch.flat()), `seed ${seed}`).toBeLessThan(1e-5);
    expect(ref.maxRelErr(plan.combine.dataSync(), r.combine.flat())).toBeLessThan(1e-5);
    disposePlan(plan);
    // d/d scale of Σ combine·b against a central difference of the reference
    const b = ref.rows(new Rng(seed + 1).normalArray(T * E * S), E * S);
    const bT = tf.tensor2d(b);
    const got = gradients(router, [router.scale!], x, (p) => tf.sum(tf.mul((p as SoftPlan).combine, bT)) as tf.Scalar);
    const f = (sc: number) => {
      const rr = reference(
        unitRows(data),
        phi.map((row) => row.map((v, j) => (sc * v) / columnNorms[j]!)),
      );
      return rr.combine.reduce((acc, row, t) => acc + row.reduce((q, v, j) => q + v * b[t]![j]!, 0), 0);
    };
    const h = 1e-4;
    expect(got.vars[0]![0]!).toBeCloseTo((f(2.5 + h) - f(2.5 - h)) / (2 * h), 3);
    expect([...router.namedParameters().keys()].sort()).toEqual(['phi', 'scale']);
    tf.dispose([x, bT]);
    router.dispose();
  });

  it('rejects a bad slot count', () => {
    expect(() => new SoftMoERouter({ dModel: 2, experts: 2, slotsPerExpert: 0 })).toThrow(ConfigError);
  });

  it('keeps tf.memory().numTensors flat across repeated calls', () => {
    const router = new SoftMoERouter({ dModel: D, experts: E, rng: new Rng(64) });
    const x = tf.randomNormal([T, D], 0, 1, 'float32', 64) as tf.Tensor2D;
    const mask = tf.tensor1d([1, 1, 1, 1, 0, 1]);
    disposePlan(router.route(x, { mask }));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) disposePlan(router.route(x, { mask }));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, mask]);
    router.dispose();
  });
});
