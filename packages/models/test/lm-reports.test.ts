import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import {
  type LmConfig,
  type LmLayerReport,
  type SmoeLanguageModel,
  disposeLayerReports,
  keepLayerReports,
  readLayerReports,
} from '../src/index.js';
import { randomIds, tinyModel } from './lm-helpers.js';
import { matmul, naiveLm, paramArrays, type Mat } from './lm-reference.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** What each MoE layer's router saw and chose during one forward pass, read inside the pass. */
interface RouterCall {
  x: Mat;
  indices: number[][];
}

/**
 * Records every router call of every MoE layer (by layer index), via an instance override of `routeTrusted` (the MoE
 * sublayer checks x once and routes it with that).
 */
function spyRouters(model: SmoeLanguageModel): Map<number, RouterCall[]> {
  const calls = new Map<number, RouterCall[]>();
  model.layers.items.forEach((layer, i) => {
    const gate = layer.smoe?.gate;
    if (!gate) return;
    const route = gate.routeTrusted.bind(gate);
    calls.set(i, []);
    gate.routeTrusted = (x, options) => {
      const plan = route(x, options);
      calls.get(i)!.push({ x: x.arraySync(), indices: plan.indices.arraySync() });
      return plan;
    };
  });
  return calls;
}

/** Mean over tokens of the entropy (nats) of softmax(x·W + b), in float64. */
function naiveEntropy(x: Mat, weight: Mat, bias: number[]): number {
  const logits = matmul(x, weight).map((row) => row.map((v, e) => v + bias[e]!));
  let sum = 0;
  for (const row of logits) {
    const mx = Math.max(...row);
    const lse = mx + Math.log(row.reduce((a, v) => a + Math.exp(v - mx), 0));
    sum -= row.reduce((a, v) => a + Math.exp(v - lse) * (v - lse), 0);
  }
  return sum / x.length;
}

describe('per-layer reports', () => {
  it.each([
    ['transformer', 'sgsm', 2, 31],
    ['transformer', 'sasa', 2, 32],
    ['glam', 'smsfsmsf', 2, 33],
  ] as const)(
    '%s %s: counts, entropy, drop rate and state RMS equal independent recomputations (seed %i)',
    async (base, arch, layers, seed) => {
      const overrides: Partial<LmConfig> = { base, arch, layers, mu: 0.6, gamma2: 1.1 };
      const model = tinyModel(overrides, seed).train(false);
      const calls = spyRouters(model);
      const rng = new Rng(seed);
      const [b, m, e] = [2, 4, 4];
      const ids = randomIds(rng, b, m, 23);
      const cache = model.specs.map(() => tf.tensor3d(rng.normalArray(b * 6 * 16), [b, 6, 16]));
      const out = model.forward(ids, cache);
      const values = await readLayerReports(out.layers);

      // Float64 reference: the rule's state after each MoE layer, for each stream.
      const params = paramArrays(model.namedParameters());
      const states = new Map<number, Mat[][]>();
      const idRows = ids.arraySync();
      const cacheRows = cache.map((t) => t.arraySync() as Mat[]);
      for (let s = 0; s < b; s++) {
        naiveLm(
          idRows[s]!,
          cacheRows.map((layer) => layer[s]!),
          params,
          { ...model.config },
          (layer, _points, state) => {
            states.set(layer, [...(states.get(layer) ?? []), state]);
          },
        );
      }

      const moeLayers = model.specs.flatMap((spec, i) => (spec.sublayer === 'f' ? [] : [i]));
      expect(
        values.map((v) => v.layer),
        `seed ${seed}`,
      ).toEqual(moeLayers);
      for (const v of values) {
        const routed = calls.get(v.layer)!;
        expect(routed.length, `layer ${v.layer}: one expert evaluation`).toBe(1);
        const { x, indices } = routed[0]!;
        const counts = new Array<number>(e).fill(0);
        for (const row of indices) for (const expert of row) counts[expert]! += 1;
        expect(v.tokensPerExpert, `${arch} layer ${v.layer} seed ${seed}`).toEqual(counts);
        expect(counts.reduce((a, c) => a + c, 0)).toBe(b * m * 2); // every (token, slot) kept: top-2 of b·m tokens
        const prefix = `layers.${v.layer}.smoe.gate`;
        const entropy = naiveEntropy(
          x,
          params.get(`${prefix}.weight`) as Mat,
          params.get(`${prefix}.bias`) as number[],
        );
        expect(v.routingEntropy, `${arch} layer ${v.layer} seed ${seed}`).toBeCloseTo(entropy, 5);
        expect(v.dropRate, 'the dropless gate drops nothing').toBe(0);

        const perStream = states.get(v.layer)!;
        let squares = 0;
        let count = 0;
        for (const stream of perStream) {
          for (const t of stream) {
            for (const row of t) {
              for (const u of row) {
                squares += u * u;
                count++;
              }
            }
          }
        }
        if (model.specs[v.layer]!.sublayer === 'g') {
          expect(count, 'the plain rule carries no state').toBe(0);
          expect(v.stateNorm).toBe(0);
        } else {
          const rms = Math.sqrt(squares / count);
          expect(rms).toBeGreaterThan(1e-3); // a real state, not zeros
          expect(
            Math.abs(v.stateNorm - rms),
            `${arch} layer ${v.layer} seed ${seed}: ${v.stateNorm} vs ${rms}`,
          ).toBeLessThan(1e-4 * rms + 1e-6);
        }
      }
      tf.dispose([out.logProbs, out.auxLoss, ...out.nextCache, ids, ...cache]);
      disposeLayerReports(out.layers);
      model.dispose();
    },
  );

  it('loss() returns the same reports as forward(), and keepLayerReports takes them out of a gradient scope (seed 34)', async () => {
    const model = tinyModel({ arch: 'smsm' }, 34).train(false);
    const rng = new Rng(34);
    const ids = randomIds(rng, 2, 4, 23);
    const targets = randomIds(rng, 2, 4, 23);
    const cache = model.initCache(2);
    const fwd = model.forward(ids, cache);
    const want = await readLayerReports(fwd.layers);
    let kept: LmLayerReport[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const out = model.loss(ids, targets, cache);
      kept = keepLayerReports(out.layers);
      return out.loss;
    }, model.trainableParameters());
    const got = await readLayerReports(kept);
    expect(got.length).toBe(2);
    for (let i = 0; i < got.length; i++) {
      expect(got[i]!.tokensPerExpert).toEqual(want[i]!.tokensPerExpert);
      expect(got[i]!.routingEntropy).toBeCloseTo(want[i]!.routingEntropy, 6);
      expect(got[i]!.stateNorm).toBeCloseTo(want[i]!.stateNorm, 6);
    }
    tf.dispose([value, grads, fwd.logProbs, fwd.auxLoss, ...fwd.nextCache, ids, targets, ...cache]);
    disposeLayerReports(fwd.layers);
    disposeLayerReports(kept);
    model.dispose();
  });

  it('leaks no tensors when the caller disposes the reports, in forward and in training (seed 35)', () => {
    const model = tinyModel({ arch: 'sasg', dropout: 0.1 }, 35);
    const rng = new Rng(35);
    const ids = randomIds(rng, 2, 4, 23);
    const targets = randomIds(rng, 2, 4, 23);
    const opt = tf.train.adam(1e-3);
    let cache = model.initCache(2);
    const step = () => {
      const out = model.forward(ids, cache);
      tf.dispose([out.logProbs, out.auxLoss, cache]);
      disposeLayerReports(out.layers);
      let next: tf.Tensor3D[] = [];
      let reports: LmLayerReport[] = [];
      const cost = opt.minimize(
        () => {
          const trained = model.loss(ids, targets, out.nextCache);
          next = trained.nextCache.map((t) => tf.keep(t));
          reports = keepLayerReports(trained.layers);
          return trained.loss;
        },
        true,
        model.trainableParameters(),
      )!;
      tf.dispose([cost, ...out.nextCache]);
      disposeLayerReports(reports);
      cache = next;
    };
    step();
    step(); // the optimiser creates its slots on the first steps
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([ids, targets, ...cache]);
    opt.dispose();
    model.dispose();
  });
});
