import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import {
  type SmoeLanguageModel,
  disposeLayerReports,
  evaluateLm,
  keepLayerReports,
  loadWeights,
  readLayerReports,
  saveWeights,
} from '../src/index.js';
import { randomIds, setRouting, tinyModel } from './lm-helpers.js';
import { forbidSyncReads } from './no-sync-reads.js';

let undo = () => {};
afterEach(() => undo());

/** A model with the official gate plus a balance loss, so the auxiliary loss is not 0. */
function model(arch: string, seed: number, routing: 'host' | 'device'): SmoeLanguageModel {
  const m = tinyModel({ arch, layers: 2, loadBalance: 0.05 }, seed);
  setRouting(m, routing);
  return m;
}

/** Loss, NLL, aux loss, layer metrics and the gradients of every parameter of one block, as numbers. */
async function lossAndGradients(m: SmoeLanguageModel, x: tf.Tensor2D, y: tf.Tensor2D) {
  const cache = m.initCache(x.shape[0]);
  let parts: tf.Scalar[] = [];
  let reports: ReturnType<SmoeLanguageModel['loss']>['layers'] = [];
  const { value, grads } = tf.variableGrads(() => {
    const out = m.loss(x, y, cache);
    parts = [tf.keep(out.nll), tf.keep(out.auxLoss)];
    reports = keepLayerReports(out.layers);
    return out.loss;
  }, m.trainableParameters());
  const params = [...m.namedParameters()].filter(([, v]) => grads[v.name] !== undefined);
  const read = async (t: tf.Tensor) => Float32Array.from(await t.data());
  const result = {
    loss: (await value.data())[0]!,
    nll: (await parts[0]!.data())[0]!,
    aux: (await parts[1]!.data())[0]!,
    layers: await readLayerReports(reports),
    grads: Object.fromEntries(
      await Promise.all(params.map(async ([n, v]) => [n, await read(grads[v.name]!)] as const)),
    ),
  };
  tf.dispose([value, ...parts, ...Object.values(grads), ...cache]);
  disposeLayerReports(reports);
  return result;
}

function maxAbs(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe.each(['cpu', 'wasm'] as const)('language model with device routing on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it.each(['sgsg', 'smsm', 'sasa', 'srsr'])(
    '%s: loss, aux loss, metrics and every gradient equal the host path (seed 71)',
    async (arch) => {
      const rng = new Rng(71);
      const x = randomIds(rng, 2, 4, 23);
      const y = randomIds(rng, 2, 4, 23);
      const [host, device] = [model(arch, 71, 'host'), model(arch, 71, 'device')];
      const h = await lossAndGradients(host, x, y);
      const d = await lossAndGradients(device, x, y);
      expect(Math.abs(d.loss - h.loss), `${arch} loss`).toBeLessThan(1e-5);
      expect(Math.abs(d.nll - h.nll), `${arch} nll`).toBeLessThan(1e-5);
      expect(h.aux, `${arch}: the balance loss is on`).toBeGreaterThan(0);
      expect(Math.abs(d.aux - h.aux), `${arch} aux`).toBeLessThan(1e-5);
      expect(d.layers.map((l) => l.tokensPerExpert)).toEqual(h.layers.map((l) => l.tokensPerExpert));
      d.layers.forEach((l, i) => {
        expect(l.dropRate).toBe(h.layers[i]!.dropRate);
        expect(Math.abs(l.routingEntropy - h.layers[i]!.routingEntropy)).toBeLessThan(1e-5);
        expect(Math.abs(l.stateNorm - h.layers[i]!.stateNorm)).toBeLessThan(1e-5);
      });
      expect(Object.keys(d.grads)).toEqual(Object.keys(h.grads));
      expect(Object.keys(h.grads)).toContain('layers.0.smoe.gate.weight');
      for (const name of Object.keys(h.grads))
        expect(maxAbs(d.grads[name]!, h.grads[name]!), `${arch} d loss / d ${name}`).toBeLessThan(1e-5);
      tf.dispose([x, y]);
      host.dispose();
      device.dispose();
    },
  );

  it('training steps, an evaluation and saveWeights make no synchronous read, and leak no tensors (seed 72)', async () => {
    const m = model('smsm', 72, 'device');
    const rng = new Rng(72);
    const x = randomIds(rng, 2, 4, 23);
    const y = randomIds(rng, 2, 4, 23);
    const stream = Int32Array.from({ length: 60 }, () => rng.int(23));
    const opt = tf.train.adam(1e-3);
    let cache = m.initCache(2);
    const step = async () => {
      let next: tf.Tensor3D[] = [];
      const cost = opt.minimize(
        () => {
          const out = m.loss(x, y, cache);
          next = out.nextCache.map((t) => tf.keep(t));
          return out.loss;
        },
        true,
        m.trainableParameters(),
      )!;
      const loss = (await cost.data())[0]!;
      tf.dispose([cost, cache]);
      cache = next;
      return loss;
    };
    undo = forbidSyncReads();
    expect(() => x.dataSync(), 'the guard sees a synchronous read').toThrow(/synchronous read/);
    const first = await step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await step();
    expect(tf.memory().numTensors, 'tensors after 3 more steps').toBe(before);
    const evaluation = await evaluateLm(m, stream, { batch: 2 });
    const dir = await mkdtemp(join(tmpdir(), 'msmoe-device-'));
    await saveWeights(m, join(dir, 'w.safetensors'));
    undo();
    expect(Number.isFinite(first) && Number.isFinite(evaluation.loss)).toBe(true);
    const copy = model('smsm', 1, 'device');
    await loadWeights(copy, join(dir, 'w.safetensors'));
    expect(copy.layers.items[1]!.smoe!.gate.bias.dataSync()).toEqual(m.layers.items[1]!.smoe!.gate.bias.dataSync());
    copy.dispose();
    await rm(dir, { recursive: true });
    tf.dispose([x, y, cache]);
    opt.dispose();
    m.dispose();
  });
});
