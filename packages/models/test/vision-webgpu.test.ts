/**
 * The V-MoE models on TensorFlow.js's WebGPU backend (Dawn; in CI a software adapter, Mesa's llvmpipe, from
 * scripts/ci/install-webgpu-adapter.sh), where the routers decide on the device (`auto`): logits, the loss and every
 * parameter's gradient equal the wasm backend's (host routing) within 1e-4, in training (noise, capacity drops) and
 * in evaluation, with only asynchronous reads (a synchronous read throws on webgpu in Node), without leaking tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import { VisionMoE } from '../src/vision/index.js';
import { tinyVisionConfig } from './vision-helpers.js';

const CASES = [
  ['vmoe-mnist', true],
  ['vmoe-mnist', false],
  ['momentum-vmoe-mnist', true],
] as const;
const SEED = 91;

interface StepResult {
  logits: Float32Array;
  loss: number;
  grads: Map<string, Float32Array>;
}

/** One forward pass and one loss + gradient pass of a tiny V-MoE, read back asynchronously. */
async function forwardAndGradients(preset: (typeof CASES)[number][0], training: boolean): Promise<StepResult> {
  const model = new VisionMoE(tinyVisionConfig(preset), { seed: SEED }).train(training);
  const rng = new Rng(SEED);
  const images = tf.tensor4d(rng.normalArray(4 * 28 * 28), [4, 28, 28, 1]); // [B, 28, 28, 1]
  const labels = tf.tensor1d([3, 7, 0, 9], 'int32');
  const fwd = model.forward(images); // draws the routers' noise once; the loss below draws the next
  const logits = (await fwd.logits.data()) as Float32Array; // [B, 10]
  const { value, grads } = tf.variableGrads(() => model.loss(images, labels).loss);
  const loss = (await value.data())[0]!;
  const named = new Map<string, Float32Array>();
  for (const [name, v] of model.namedParameters()) {
    const g = grads[v.name];
    if (g) named.set(name, (await g.data()) as Float32Array);
  }
  tf.dispose([fwd.logits, fwd.auxLoss, Object.values(fwd.losses), images, labels, value, Object.values(grads)]);
  for (const b of fwd.blocks) tf.dispose([b.auxLoss, Object.values(b.losses), Object.values(b.metrics)]);
  model.dispose();
  return { logits, loss, grads: named };
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return a.length === b.length ? m : Infinity;
}

const reference = new Map<string, StepResult>();
const key = (preset: string, training: boolean) => `${preset} ${training ? 'training' : 'evaluation'}`;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  for (const [preset, training] of CASES) {
    reference.set(key(preset, training), await forwardAndGradients(preset, training));
  }
  await initBackend({ backend: 'webgpu' });
});
afterAll(() => tf.engine().reset());

describe('V-MoE on webgpu', () => {
  const title = `%s (training %s): forward, loss and gradients equal wasm's within 1e-4 (seed ${SEED})`;
  it.each(CASES)(title, async (p, t) => {
    expect(tf.getBackend()).toBe('webgpu');
    const want = reference.get(key(p, t))!;
    const got = await forwardAndGradients(p, t);
    const what = key(p, t);
    expect(maxDiff(got.logits, want.logits), `${what}: logits`).toBeLessThan(1e-4);
    expect(Math.abs(got.loss - want.loss), `${what}: loss`).toBeLessThan(1e-4);
    expect([...got.grads.keys()]).toEqual([...want.grads.keys()]);
    expect([...want.grads.keys()]).toContain('blocks.1.mlp.moe.router.weight');
    for (const [name, g] of want.grads) {
      expect(maxDiff(got.grads.get(name)!, g), `${what}: gradient of ${name}`).toBeLessThan(1e-4);
    }
  });

  it('leaks no tensor across steps', async () => {
    await forwardAndGradients('momentum-vmoe-mnist', true);
    const before = tf.memory().numTensors;
    await forwardAndGradients('momentum-vmoe-mnist', true);
    expect(tf.memory().numTensors).toBe(before);
  });
});
