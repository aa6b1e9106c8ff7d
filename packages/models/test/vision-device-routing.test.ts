// V-MoE models with their routers deciding on the device (as on webgpu): the same logits, losses, routing reports and
// gradients as host routing, and training steps with no synchronous read and no leaked tensor.
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import { readMetrics, type RoutingPlan } from '@momentum-smoe/routers';
import { VisionMoE, type VisionMoEConfig } from '../src/vision/index.js';
import { forbidSyncReads } from './no-sync-reads.js';
import { setVisionRouting, tinyVisionConfig } from './vision-helpers.js';

let undo = () => {};
afterEach(() => undo());

function model(config: VisionMoEConfig, routing: 'host' | 'device'): VisionMoE {
  const m = new VisionMoE(config, { seed: 5 });
  setVisionRouting(m, routing);
  return m;
}

/** Four 28×28 images and their labels from `seed`. */
function batch(seed: number): { images: tf.Tensor4D; labels: tf.Tensor1D } {
  const rng = new Rng(seed);
  const images = tf.tensor4d(rng.normalArray(4 * 28 * 28), [4, 28, 28, 1]);
  const labels = tf.tensor1d(
    Array.from({ length: 4 }, () => rng.int(10)),
    'int32',
  );
  return { images, labels };
}

/** Loss parts, per-block metrics and every parameter's gradient, read asynchronously. */
async function lossAndGradients(m: VisionMoE, images: tf.Tensor4D, labels: tf.Tensor1D) {
  let kept: tf.Tensor[] = [];
  let blocks: ReturnType<VisionMoE['loss']>['blocks'] = [];
  const { value, grads } = tf.variableGrads(() => {
    const out = m.loss(images, labels);
    kept = [out.logits, out.classification, out.auxLoss, ...Object.values(out.losses)].map((t) => tf.keep(t));
    blocks = out.blocks;
    for (const b of blocks) for (const t of Object.values(b.metrics) as tf.Tensor[]) tf.keep(t);
    return out.loss;
  }, m.trainableParameters());
  const read = async (t: tf.Tensor) => Float32Array.from(await t.data());
  const [logits, classification, aux, ...named] = await Promise.all(kept.map(read));
  const result = {
    loss: (await value.data())[0]!,
    logits: logits!,
    classification: classification![0]!,
    aux: aux![0]!,
    losses: named.map((v) => v[0]!),
    metrics: await Promise.all(blocks.map((b) => readMetrics({ metrics: b.metrics } as RoutingPlan))),
    grads: new Map(
      await Promise.all(
        [...m.namedParameters()]
          .filter(([, v]) => grads[v.name] !== undefined)
          .map(async ([n, v]) => [n, await read(grads[v.name]!)] as const),
      ),
    ),
  };
  tf.dispose([value, kept, ...Object.values(grads)]);
  for (const b of blocks) tf.dispose(Object.values(b.metrics));
  return result;
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe.each(['cpu', 'wasm'] as const)('V-MoE with device routing on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  for (const [preset, training] of [
    ['vmoe-mnist', true],
    ['vmoe-mnist', false],
    ['momentum-vmoe-mnist', true],
    ['robust-vmoe-mnist', true],
  ] as const) {
    const mode = training ? 'training' : 'evaluation';
    it(`${preset} (${mode}): logits, losses, metrics and gradients equal the host path (seed 81)`, async () => {
      const config = tinyVisionConfig(preset);
      const [host, device] = [model(config, 'host'), model(config, 'device')];
      [host, device].forEach((m) => m.train(training));
      const { images, labels } = batch(81);
      for (let call = 0; call < 2; call++) {
        const h = await lossAndGradients(host, images, labels);
        const d = await lossAndGradients(device, images, labels);
        const what = `${preset} ${mode} call ${call}`;
        expect(maxAbs(d.logits, h.logits), `${what}: logits`).toBeLessThan(1e-5);
        expect(Math.abs(d.loss - h.loss), `${what}: loss`).toBeLessThan(1e-5);
        expect(Math.abs(d.classification - h.classification), what).toBeLessThan(1e-5);
        expect(Math.abs(d.aux - h.aux), `${what}: aux`).toBeLessThan(1e-6);
        expect(maxAbs(d.losses, h.losses), `${what}: named losses`).toBeLessThan(1e-6);
        const drops = h.metrics.map((m) => m.dropRate);
        if (training) expect(Math.max(...drops), `${what}: capacity drops slots`).toBeGreaterThan(0);
        d.metrics.forEach((m, i) => {
          const want = h.metrics[i]!;
          expect(m.tokensPerExpert, what).toEqual(want.tokensPerExpert);
          expect(m.dropRate, what).toBeCloseTo(want.dropRate, 6);
          expect(m.routingEntropy, what).toBeCloseTo(want.routingEntropy, 5);
        });
        expect([...d.grads.keys()]).toEqual([...h.grads.keys()]);
        expect([...h.grads.keys()]).toContain('blocks.1.mlp.moe.router.weight');
        for (const [name, g] of h.grads) {
          expect(maxAbs(d.grads.get(name)!, g), `${what}: d/d ${name}`).toBeLessThan(1e-5);
        }
      }
      tf.dispose([images, labels]);
      host.dispose();
      device.dispose();
    });
  }

  it('training steps and an evaluation make no synchronous read and leak no tensors (seed 82)', async () => {
    const m = model(tinyVisionConfig('momentum-vmoe-mnist'), 'device');
    const { images, labels } = batch(82);
    const opt = tf.train.adam(1e-3);
    const step = async () => {
      const cost = opt.minimize(() => m.loss(images, labels).loss, true, m.trainableParameters())!;
      const loss = (await cost.data())[0]!;
      cost.dispose();
      return loss;
    };
    undo = forbidSyncReads();
    expect(() => images.dataSync(), 'the guard sees a synchronous read').toThrow(/synchronous read/);
    const first = await step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await step();
    expect(tf.memory().numTensors, 'tensors after 3 more steps').toBe(before);
    m.train(false);
    const out = m.forward(images);
    const logits = await out.logits.data();
    tf.dispose([out.logits, out.auxLoss, Object.values(out.losses)]);
    for (const b of out.blocks) tf.dispose([b.auxLoss, Object.values(b.losses), Object.values(b.metrics)]);
    expect(tf.memory().numTensors, 'tensors after an evaluation').toBe(before);
    undo();
    expect(Number.isFinite(first) && logits.every(Number.isFinite)).toBe(true);
    tf.dispose([images, labels]);
    opt.dispose();
    m.dispose();
  });
});
