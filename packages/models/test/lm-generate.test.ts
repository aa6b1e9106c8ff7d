import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import { LmDecoder, disposeLayerReports, generateTokens, sampleToken, type LmConfig } from '../src/index.js';
import { randomIds, setRouting, tinyModel } from './lm-helpers.js';
import type { SmoeLanguageModel } from '../src/index.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** Log-probabilities [n, V] of the whole sequence in one forward pass from a zero cache (the reference). */
function fullForward(model: SmoeLanguageModel, ids: Int32Array): Float32Array[] {
  const cache = model.initCache(1);
  const input = tf.tensor2d(ids, [1, ids.length], 'int32');
  const out = model.forward(input, cache);
  const flat = out.logProbs.dataSync() as Float32Array;
  const v = model.config.vocab;
  tf.dispose([cache, input, out.logProbs, out.auxLoss, out.nextCache]);
  disposeLayerReports(out.layers);
  return Array.from({ length: ids.length }, (_, i) => flat.slice(i * v, (i + 1) * v));
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('LmDecoder', () => {
  it.each([
    ['transformer', 'sgsg', 2, 21],
    ['transformer', 'smsm', 2, 22],
    ['transformer', 'sasa', 2, 23],
    ['glam', 'smsfsmsf', 2, 24],
  ] as const)(
    '%s %s (%i layers): one token at a time gives the log-probs of the whole prefix in one pass (seed %i)',
    (base, arch, layers, seed) => {
      const overrides: Partial<LmConfig> = { base, arch, layers, dropout: 0.2 };
      const model = tinyModel(overrides, seed); // training mode with dropout: the decoder must switch it off
      // 11 positions > attnSpan 6, so the cache window slides.
      const ids = randomIds(new Rng(seed), 1, 11, 23).dataSync() as Int32Array;
      model.train(false);
      const reference = fullForward(model, ids);
      const fullRouting = (() => {
        const d = new LmDecoder(model);
        const r = d.step(ids).routing;
        d.dispose();
        return r;
      })();
      model.train(true);
      const decoder = new LmDecoder(model);
      expect(model.training).toBe(false);
      // A prompt of 3 as one block, then one token per step.
      const first = decoder.step(ids.subarray(0, 3));
      const rows = [...first.logProbs];
      const routing = [...first.routing];
      for (let i = 3; i < ids.length; i++) {
        const step = decoder.step([ids[i]!]);
        rows.push(step.logProbs[0]!);
        routing.push(step.routing[0]!);
        // A one-token step's report counts exactly that token's k choices per MoE layer.
        for (const [j, values] of step.layers.entries()) {
          const counted = new Array<number>(model.config.experts).fill(0);
          for (const e of step.routing[0]![j]!.experts) counted[e]!++;
          expect(values.tokensPerExpert).toEqual(counted);
        }
      }
      decoder.dispose();
      expect(model.training).toBe(true);
      rows.forEach((row, i) => expect(maxDiff(row, reference[i]!), `position ${i}`).toBeLessThan(1e-5));
      expect(routing.map((p) => p.map((l) => l.experts))).toEqual(fullRouting.map((p) => p.map((l) => l.experts)));
      for (const position of routing) {
        expect(position.map((l) => l.layer)).toEqual(model.specs.flatMap((s, i) => (s.sublayer === 'f' ? [] : [i])));
        for (const l of position) {
          expect(l.experts).toHaveLength(2);
          expect(l.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        }
      }
      model.dispose();
    },
  );

  it('keeps no tensors across steps (seed 5)', () => {
    const model = tinyModel({}, 5);
    const decoder = new LmDecoder(model);
    decoder.step([1, 2, 3]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) decoder.step([i]);
    expect(tf.memory().numTensors).toBe(before);
    decoder.dispose();
    expect(() => decoder.step([]) as unknown).toThrow(/at least one/);
    model.dispose();
  });

  it('rejects an id outside the vocabulary with one line', () => {
    const model = tinyModel({}, 6);
    const decoder = new LmDecoder(model);
    expect(() => decoder.step([23])).toThrow('LmDecoder.step: token id 23 is outside [0, 23)');
    decoder.dispose();
    model.dispose();
  });
});

describe('sampleToken', () => {
  const logProbs = Float32Array.from([0.1, 0.2, 0.4, 0.3].map(Math.log));

  it('greedy picks the arg-max', () => {
    expect(sampleToken(logProbs, {})).toBe(2);
    expect(sampleToken(logProbs, { temperature: 0 })).toBe(2);
  });

  it('at temperature 1 draws with the model probabilities (20000 draws, seed 7)', () => {
    const rng = new Rng(7);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 20000; i++) counts[sampleToken(logProbs, { temperature: 1 }, rng)]!++;
    // Binomial standard deviation ≤ √(20000·0.25) ≈ 71, i.e. 0.0035 in frequency; allow 4σ.
    [0.1, 0.2, 0.4, 0.3].forEach((p, i) => expect(Math.abs(counts[i]! / 20000 - p), `token ${i}`).toBeLessThan(0.015));
  });

  it('top-k 2 draws only the two most likely, renormalised (seed 8)', () => {
    const rng = new Rng(8);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 20000; i++) counts[sampleToken(logProbs, { temperature: 1, topK: 2 }, rng)]!++;
    expect(counts[0]! + counts[1]!).toBe(0);
    expect(Math.abs(counts[2]! / 20000 - 4 / 7)).toBeLessThan(0.015);
  });

  it('top-k equals a draw over the fully sorted row, ties by id (300 rows with ties, seed 11)', () => {
    const naive = (row: Float32Array, k: number, t: number, rng: Rng): number => {
      const order = Array.from(row.keys())
        .sort((a, b) => row[b]! - row[a]! || a - b)
        .slice(0, k);
      const w = order.map((i) => Math.exp((row[i]! - row[order[0]!]!) / t));
      let u = rng.uniform() * w.reduce((a, b) => a + b, 0);
      for (let j = 0; j < k; j++) if ((u -= w[j]!) < 0) return order[j]!;
      return order[k - 1]!;
    };
    const gen = new Rng(11);
    for (let r = 0; r < 300; r++) {
      const row = Float32Array.from({ length: 50 }, () => Math.round(gen.normal() * 4) / 2); // coarse: many ties
      const k = 1 + gen.int(49);
      expect(sampleToken(row, { temperature: 0.7, topK: k }, new Rng(r)), `row ${r}, k ${k}`).toBe(
        naive(row, k, 0.7, new Rng(r)),
      );
    }
  });

  it('needs an Rng and a temperature ≥ 0', () => {
    expect(() => sampleToken(logProbs, { temperature: 1 })).toThrow(/seeded Rng/);
    expect(() => sampleToken(logProbs, { temperature: -1 }, new Rng(0))).toThrow(/temperature/);
  });
});

describe('generateTokens', () => {
  it('greedy equals the arg-max of a full forward pass over each growing prefix (seed 9)', async () => {
    const model = tinyModel({ arch: 'smsm' }, 9);
    const prompt = Int32Array.from([3, 1, 4]);
    const ids = await generateTokens(model, prompt, { tokens: 8 });
    model.train(false);
    let prefix = Array.from(prompt);
    for (const id of ids) {
      const rows = fullForward(model, Int32Array.from(prefix));
      expect(id).toBe(sampleToken(rows.at(-1)!, {}));
      prefix = [...prefix, id];
    }
    model.dispose();
  });

  it('the same seed gives the same sample, another seed another (seed 10)', async () => {
    const model = tinyModel({ arch: 'sasa' }, 10);
    const options = { tokens: 20, temperature: 1.5, topK: 10 };
    const a = await generateTokens(model, [1, 2], { ...options, seed: 1 });
    const b = await generateTokens(model, [1, 2], { ...options, seed: 1 });
    const c = await generateTokens(model, [1, 2], { ...options, seed: 2 });
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    model.dispose();
  });

  it('with device routing, reads nothing synchronously and gives the host-routed ids (seed 11)', async () => {
    const options = { tokens: 6, temperature: 0.8, topK: 5, seed: 3 };
    const host = tinyModel({ arch: 'srsr' }, 11);
    const device = tinyModel({ arch: 'srsr' }, 11);
    setRouting(host, 'host');
    setRouting(device, 'device');
    const want = await generateTokens(host, [4, 5, 6], options);
    const engine = tf.engine() as unknown as Record<'readSync', (...args: unknown[]) => unknown>;
    const { readSync } = engine;
    engine.readSync = () => {
      throw new Error('synchronous read while generating');
    };
    try {
      expect(Array.from(await generateTokens(device, [4, 5, 6], options))).toEqual(Array.from(want));
    } finally {
      engine.readSync = readSync;
    }
    host.dispose();
    device.dispose();
  });
});

describe('LmDecoder.stepAsync', () => {
  it('gives what step gives: log-probs, routing and layer values (seed 12)', async () => {
    const model = tinyModel({ arch: 'smsm' }, 12);
    const [a, b] = [new LmDecoder(model), new LmDecoder(model)];
    for (const ids of [[1, 2, 3], [7], [9, 0]]) {
      const sync = a.step(ids);
      const async = await b.stepAsync(ids);
      expect(async.routing).toEqual(sync.routing);
      expect(async.layers).toEqual(sync.layers);
      expect(async.logProbs.map((r) => Array.from(r))).toEqual(sync.logProbs.map((r) => Array.from(r)));
    }
    const before = tf.memory().numTensors;
    await b.stepAsync([5]);
    expect(tf.memory().numTensors).toBe(before);
    [a, b].forEach((d) => d.dispose());
    model.dispose();
  });
});
