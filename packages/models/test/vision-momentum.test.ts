// The momentum wiring of the vision models against a float64 re-computation that composes the model's own
// attention / MLP / MoE sublayers with hand-written V-MoE-fork arithmetic
// (docs/paper-notes.md#v-moe-blocks-and-momentum-wiring).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import { MlpBlock, VisionMoE, visionPreset, type VisionPresetName } from '../src/vision/index.js';
import { layerNorm64 } from './vision-helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const EPS = 1e-6;
const ln = (x: Float64Array, d: number, norm: { weight: tf.Variable; bias: tf.Variable }) =>
  layerNorm64(x, d, norm.weight.dataSync(), norm.bias.dataSync(), EPS);
const add = (a: Float64Array, b: ArrayLike<number>, s = 1): Float64Array =>
  Float64Array.from(a, (v, i) => v + s * b[i]!);
const run = (x: Float64Array, shape: number[], f: (t: tf.Tensor3D) => tf.Tensor) =>
  Float64Array.from(tf.tidy(() => f(tf.tensor3d(Float32Array.from(x), shape as [number, number, number]))).dataSync());

/** The forward pass, re-done block by block in float64 around the model's sublayers. */
function referenceLogits(model: VisionMoE, images: tf.Tensor4D): Float64Array {
  const c = model.config;
  const d = c.hidden;
  const b = images.shape[0];
  const n = model.tokens;
  const shape = [b, n, d];
  let x: Float64Array = Float64Array.from(
    tf
      .tidy(() => {
        const p = model.embedding.apply(images);
        const t = model.cls ? tf.concat([tf.tile(model.cls, [b, 1, 1]), p], 1) : p;
        return tf.add(t, model.posEmbedding);
      })
      .dataSync(),
  );
  let m: Float64Array = new Float64Array(x.length); // zeros at the start of every forward pass
  const mom = c.momentum;
  for (const block of model.blocks) {
    const a = add(
      x,
      run(ln(x, d, block.norm1), shape, (t) => block.attention.apply(t)),
    );
    let y = ln(a, d, block.norm2);
    if (mom.kind === 'robust') y = add(y, m, (mom.kappa * mom.rho ** 3) / ((mom.kappa - 1) * mom.L)); // c·a
    const mlp = block.mlp;
    const f = run(y, shape, (t) => (mlp instanceof MlpBlock ? mlp.apply(t) : mlp.apply(t).y));
    if (mlp instanceof MlpBlock || mom.kind === 'none') x = add(a, f);
    else if (mom.kind === 'heavy-ball') {
      m = add(
        m.map((v) => v * mom.mu),
        f,
        mom.gamma,
      );
      x = add(a, m, -1);
    } else {
      const step = (mom.kappa * (1 - mom.rho) ** 2 * (1 + mom.rho)) / mom.L;
      m = add(
        m.map((v) => v * ((mom.kappa * mom.rho ** 3) / (mom.kappa - 1))),
        f,
        -1,
      );
      x = add(a, m, step);
    }
    if (mom.kind !== 'none') x = ln(x, d, block.postNorm!);
  }
  const enc = ln(x, d, model.encoderNorm);
  const pooled = new Float64Array(b * d);
  for (let i = 0; i < b; i++)
    for (let j = 0; j < d; j++) {
      if (model.cls) pooled[i * d + j] = enc[i * n * d + j]!;
      else for (let t = 0; t < n; t++) pooled[i * d + j] = pooled[i * d + j]! + enc[(i * n + t) * d + j]! / n;
    }
  const dense = (
    v: Float64Array,
    lin: { weight: tf.Variable; bias: tf.Variable | null },
    dIn: number,
    act: (z: number) => number,
  ) => {
    const w = lin.weight.dataSync();
    const bias = lin.bias!.dataSync();
    const dOut = bias.length;
    const out = new Float64Array(b * dOut);
    for (let i = 0; i < b; i++)
      for (let o = 0; o < dOut; o++) {
        let acc = bias[o]!;
        for (let k = 0; k < dIn; k++) acc += v[i * dIn + k]! * w[k * dOut + o]!;
        out[i * dOut + o] = act(acc);
      }
    return out;
  };
  const rep = model.preLogits ? dense(pooled, model.preLogits, d, Math.tanh) : pooled;
  return dense(rep, model.head, c.representationSize ?? d, (z) => z);
}

describe('vision momentum wiring', () => {
  it.each<VisionPresetName>([
    'vmoe-mnist',
    'momentum-vmoe-mnist',
    'robust-vmoe-mnist',
    'softmoe-mnist',
    'momentum-softmoe-mnist',
  ])('%s matches the float64 block-by-block reference (seed 21)', (name) => {
    const model = new VisionMoE(visionPreset(name), { seed: 21 }).train(false);
    const rng = new Rng(21);
    const { weight } = model.head;
    weight.assign(tf.tensor2d(rng.normalArray(weight.size, 0, 0.5), weight.shape)); // the zero init hides everything
    const images = tf.tensor4d(rng.uniformArray(8 * 28 * 28), [8, 28, 28, 1]);
    const want = referenceLogits(model, images);
    const out = model.forward(images);
    const got = out.logits.dataSync();
    want.forEach((w, i) => expect(got[i], `logit ${i} (seed 21)`).toBeCloseTo(w, 3));
    tf.dispose([images, out as unknown as tf.TensorContainer]);
    model.dispose();
  });
});
