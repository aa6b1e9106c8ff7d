import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import { TopKRouter } from '@momentum-smoe/routers';
import { ExpertBank, runMoE } from '../src/index.js';
import { maxRelErr } from './reference.js';

const T = 11;
const D = 6;

function pair(seed: number, experts: number, k: number, routing: 'host' | 'device') {
  const rng = new Rng(seed);
  const lossWeights = { balance: 0.1, zLoss: 0.01 };
  const router = new TopKRouter({ dModel: D, experts, topK: k, rng, lossWeights, routing });
  const bank = new ExpertBank({ experts, dIn: D, dHidden: 5, activation: 'gelu', init: 'torch', rng });
  return { router, bank, params: [...router.trainableParameters(), ...bank.trainableParameters()] };
}

/** Loss Σ y·r + auxLoss of one MoE call, its value and its gradients for x and every parameter. */
function step(p: ReturnType<typeof pair>, x: tf.Tensor2D, r: tf.Tensor2D, mask?: tf.Tensor1D) {
  const objective = (xx: tf.Tensor2D) => {
    const { y, plan } = runMoE(p.router, p.bank, xx, mask ? { mask } : {});
    return tf.add(tf.sum(tf.mul(y, r)), plan.auxLoss) as tf.Scalar;
  };
  const { value, grads } = tf.variableGrads(() => objective(x), p.params);
  const gx = tf.grad((xx: tf.Tensor) => objective(xx as tf.Tensor2D))(x);
  const out = {
    value: value.dataSync()[0]!,
    grads: p.params.map((v) => Float32Array.from(grads[v.name]!.dataSync())),
    gx: Float32Array.from(gx.dataSync()),
  };
  tf.dispose([value, gx, ...Object.values(grads)]);
  return out;
}

describe.each(['cpu', 'wasm'] as const)('runMoE with device routing on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  for (const [seed, experts, k, masked] of [
    [61, 4, 2, false],
    [62, 5, 1, true],
    [63, 6, 3, true],
  ] as const) {
    it(`output, aux loss and gradients equal the host path (seed ${seed}, E ${experts}, k ${k})`, () => {
      const host = pair(seed, experts, k, 'host');
      const device = pair(seed, experts, k, 'device');
      const x = tf.randomNormal([T, D], 0, 1, 'float32', seed) as tf.Tensor2D;
      const r = tf.randomNormal([T, D], 0, 1, 'float32', seed + 1) as tf.Tensor2D;
      const mask = masked ? tf.tensor1d([1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1]) : undefined;
      const h = step(host, x, r, mask);
      const d = step(device, x, r, mask);
      expect(Math.abs(d.value - h.value), `seed ${seed}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(h.value)));
      h.grads.forEach((g, i) => expect(maxRelErr(d.grads[i]!, g), `${host.params[i]!.name}`).toBeLessThan(1e-5));
      expect(maxRelErr(d.gx, h.gx)).toBeLessThan(1e-5);
      tf.dispose([x, r, mask]);
      [host, device].forEach((p) => (p.router.dispose(), p.bank.dispose()));
    });
  }

  it('keeps tf.memory().numTensors flat across training steps', () => {
    const p = pair(64, 4, 2, 'device');
    const x = tf.randomNormal([T, D], 0, 1, 'float32', 64) as tf.Tensor2D;
    const opt = tf.train.sgd(0.01);
    const train = () =>
      opt.minimize(
        () => {
          const { y, plan } = runMoE(p.router, p.bank, x); // the plan's tensors are freed by minimize's scope
          return tf.add(tf.mean(tf.square(y)), plan.auxLoss) as tf.Scalar;
        },
        false,
        p.params,
      );
    train();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) train();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(x);
    opt.dispose();
    p.router.dispose();
    p.bank.dispose();
  });
});
