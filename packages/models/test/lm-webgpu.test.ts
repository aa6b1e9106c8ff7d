/**
 * The language models on TensorFlow.js's WebGPU backend (Dawn; in CI a software adapter, Mesa's llvmpipe, from
 * scripts/ci/install-webgpu-adapter.sh): forward log-probabilities, the loss and every parameter's gradient equal the
 * wasm backend's within 1e-4, for the four residual rules, with only asynchronous reads (a synchronous read throws on
 * webgpu in Node), and without leaking tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend, type BackendReport } from '@momentum-smoe/core';
import { disposeLayerReports } from '../src/index.js';
import { randomIds, tinyModel } from './lm-helpers.js';

const ARCHS = ['sgsgsg', 'smsmsm', 'sasasa', 'srsrsr'];
const SEED = 61;

interface StepResult {
  logProbs: Float32Array;
  loss: number;
  grads: Map<string, Float32Array>;
}

/** One forward pass and one loss + gradient pass of a tiny 3-layer model, read back asynchronously. */
async function forwardAndGradients(arch: string): Promise<StepResult> {
  const model = tinyModel({ arch, layers: 3, dropout: 0 }, SEED);
  const rng = new Rng(SEED);
  const ids = randomIds(rng, 2, 4, 23); // [B, M]
  const targets = randomIds(rng, 2, 4, 23); // [B, M]
  const cache = model.initCache(2);
  const fwd = model.forward(ids, cache);
  const logProbs = (await fwd.logProbs.data()) as Float32Array; // [B, M, V]
  const { value, grads } = tf.variableGrads(() => model.loss(ids, targets, cache).loss);
  const loss = (await value.data())[0]!;
  const named = new Map<string, Float32Array>();
  for (const [name, v] of model.namedParameters()) {
    const g = grads[v.name];
    if (g) named.set(name, (await g.data()) as Float32Array);
  }
  disposeLayerReports(fwd.layers);
  tf.dispose([fwd.logProbs, fwd.auxLoss, ...fwd.nextCache, ids, targets, ...cache, value, ...Object.values(grads)]);
  model.dispose();
  return { logProbs, loss, grads: named };
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return a.length === b.length ? m : Infinity;
}

const reference = new Map<string, StepResult>();
let report: BackendReport;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  for (const arch of ARCHS) reference.set(arch, await forwardAndGradients(arch));
  report = await initBackend({ backend: 'webgpu' });
});
afterAll(() => tf.engine().reset());

describe('language models on webgpu', () => {
  it('runs on the webgpu backend and names its adapter', () => {
    expect(tf.getBackend()).toBe('webgpu');
    expect(report.adapter?.maxBindingBytes).toBeGreaterThan(0);
  });

  it.each(ARCHS)(`%s: forward, loss and gradients equal wasm's within 1e-4 (seed ${SEED})`, async (arch) => {
    const want = reference.get(arch)!;
    const got = await forwardAndGradients(arch);
    expect(maxDiff(got.logProbs, want.logProbs), `${arch}: log-probabilities`).toBeLessThan(1e-4);
    expect(Math.abs(got.loss - want.loss), `${arch}: loss`).toBeLessThan(1e-4);
    expect([...got.grads.keys()]).toEqual([...want.grads.keys()]);
    for (const [name, g] of want.grads) {
      expect(maxDiff(got.grads.get(name)!, g), `${arch}: gradient of ${name}`).toBeLessThan(1e-4);
    }
  });

  it('a synchronous read fails with a message that says why', () => {
    const t = tf.matMul(tf.ones([32, 32]), tf.ones([32, 32])); // large enough to run on the device, not the CPU
    expect(() => t.dataSync()).toThrow(/synchronous read/);
    t.dispose();
  });

  it('leaks no tensor across steps', async () => {
    await forwardAndGradients('smsmsm');
    const before = tf.memory().numTensors;
    await forwardAndGradients('smsmsm');
    expect(tf.memory().numTensors).toBe(before);
  });
});
