/**
 * Routing cost at LM scale (T = 4096 tokens, d = 256, E = 16, k = 2): forward and forward+backward of each router,
 * against the bare gate (`softmax(x·W)`, the floor any router pays).
 * Run: `pnpm --filter @momentum-smoe/routers bench`.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng, initBackend } from '@momentum-smoe/core';
import { NoisyTopKRouter, SwitchRouter, TopKRouter, disposePlan, type Router } from '@momentum-smoe/routers';
import { medianMs, writeResult } from '../../../bench/harness.js';

const backend = await initBackend({ backend: (process.env['BACKEND'] as 'wasm' | 'cpu' | undefined) ?? 'wasm' });
const [T, D, E, K] = [4096, 256, 16, 2];
const x = tf.randomNormal([T, D], 0, 1, 'float32', 1) as tf.Tensor2D;
const gateW = tf.variable(tf.randomNormal([D, E], 0, 0.05, 'float32', 2));

const bareForward = () => tf.tidy(() => tf.softmax(tf.matMul(x, gateW)).dataSync());
const bareBackward = () =>
  tf.tidy(() =>
    tf
      .variableGrads(() => tf.sum(tf.square(tf.softmax(tf.matMul(x, gateW)))) as tf.Scalar)
      .grads[gateW.name]!.dataSync(),
  );

function timings(router: Router) {
  const forward = () => {
    const plan = router.route(x);
    plan.auxLoss.dataSync();
    disposePlan(plan);
  };
  const backward = () =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => {
        const plan = router.route(x);
        const w = plan.kind === 'token-choice' ? plan.weights : plan.auxLoss;
        return tf.add(tf.sum(tf.square(w)), plan.auxLoss) as tf.Scalar;
      }, router.trainableParameters());
      Object.values(grads).forEach((g) => g.dataSync());
    });
  return { forward, backward };
}

const bareFwdMs = await medianMs(bareForward, { warmup: 3, reps: 9 });
const bareBwdMs = await medianMs(bareBackward, { warmup: 3, reps: 9 });
const routers: Record<string, Router> = {
  topK: new TopKRouter({ dModel: D, experts: E, topK: K, rng: new Rng(1), lossWeights: { balance: 0.01 } }),
  switch: new SwitchRouter({ dModel: D, experts: E, rng: new Rng(2) }),
  noisyTopK: new NoisyTopKRouter({ dModel: D, experts: E, topK: K, rng: new Rng(3) }),
};
const result: Record<string, unknown> = {
  backend: backend.backend,
  tokens: T,
  dModel: D,
  experts: E,
  topK: K,
  bareGate: { forwardMs: bareFwdMs, forwardBackwardMs: bareBwdMs },
};
for (const [name, router] of Object.entries(routers)) {
  const { forward, backward } = timings(router);
  const forwardMs = await medianMs(forward, { warmup: 3, reps: 9 });
  const forwardBackwardMs = await medianMs(backward, { warmup: 3, reps: 9 });
  result[name] = {
    forwardMs,
    forwardBackwardMs,
    forwardVsBareGate: forwardMs / bareFwdMs,
    backwardVsBareGate: forwardBackwardMs / bareBwdMs,
  };
}
const before = tf.memory().numTensors;
timings(routers['noisyTopK']!).backward();
result['tensorLeakPerStep'] = tf.memory().numTensors - before;
writeResult('routers', result);
