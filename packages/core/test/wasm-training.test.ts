import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import { backendDataIds, expectClose, randomArray } from './wasm-helpers.js';

const SEED = 99;
const [VOCAB, DIM, HIDDEN, TOKENS, STEPS] = [20, 16, 24, 48, 4];

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

interface Run {
  losses: number[];
  params: Float32Array[];
}

/**
 * A tiny language-model step on `backend`: embedding (gather) → matMul → relu → matMul → softmax cross-entropy,
 * `STEPS` Adam updates; returns the losses and the final parameters. Everything starts from the same plain arrays.
 */
async function train(backend: 'cpu' | 'wasm'): Promise<Run> {
  await tf.setBackend(backend);
  const rng = new Rng(SEED);
  const embedding = tf.variable(tf.tensor(randomArray(rng, VOCAB * DIM), [VOCAB, DIM]));
  const w1 = tf.variable(tf.tensor(randomArray(rng, DIM * HIDDEN), [DIM, HIDDEN]));
  // tied-style [V, H], used transposed
  const w2 = tf.variable(tf.tensor(randomArray(rng, VOCAB * HIDDEN), [VOCAB, HIDDEN]));
  const tokens = tf.tensor1d(
    Array.from({ length: TOKENS }, () => rng.int(VOCAB)),
    'int32',
  );
  const targets = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: TOKENS }, () => rng.int(VOCAB)),
      'int32',
    ),
    VOCAB,
  );
  const optimizer = tf.train.adam(0.01);
  const losses: number[] = [];
  const step = () => {
    const loss = optimizer.minimize(() => {
      const x = tf.gather(embedding, tokens); // [T, D]
      const h = tf.relu(tf.matMul(x, w1)); // [T, H]
      const logits = tf.matMul(h, w2, false, true); // [T, V]
      return tf.losses.softmaxCrossEntropy(targets, logits);
    }, true) as tf.Scalar;
    losses.push(loss.dataSync()[0]!);
    loss.dispose();
  };
  step();
  const [tensors, dataIds] = [tf.memory().numTensors, backendDataIds()];
  for (let i = 1; i < STEPS; i++) step();
  expect(tf.memory().numTensors, `${backend}: tensors held across steps`).toBe(tensors);
  expect(backendDataIds(), `${backend}: backend data held across steps`).toBe(dataIds);
  const params = await Promise.all([embedding, w1, w2].map((v) => v.data() as Promise<Float32Array>));
  optimizer.dispose();
  tf.dispose([embedding, w1, w2, tokens, targets]);
  return { losses, params };
}

describe('training with gather gradients on wasm (issue 2: done when)', () => {
  it(`embedding → matMul → softmax cross-entropy, ${STEPS} Adam steps, matches cpu to 1e-5 relative (seed ${SEED})`, async () => {
    const cpu = await train('cpu'); // slow for its size: the cpu UnsortedSegmentSum loops over every segment
    const wasm = await train('wasm');
    expect(wasm.losses[STEPS - 1]!).toBeLessThan(wasm.losses[0]!);
    expectClose([wasm.losses], [cpu.losses], 1e-5, `losses, seed ${SEED}`);
    expectClose(wasm.params, cpu.params, 1e-5, `parameters, seed ${SEED}`);
  });
});
