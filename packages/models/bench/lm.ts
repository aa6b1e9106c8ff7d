/**
 * Language-model throughput on this machine: training tokens/s (forward + backward + Adam, cache carried) of the
 * CPU-sized presets, and full-evaluation tokens/s. Run: `pnpm --filter @momentum-smoe/models bench`.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng, describeBackend, initBackend } from '@momentum-smoe/core';
import { medianMs, writeResult } from '../../../bench/harness.js';
import { SmoeLanguageModel, evaluateLm, lmPreset } from '../src/index.js';

const report = await initBackend({ backend: (process.env.BACKEND as 'wasm' | 'cpu' | undefined) ?? 'wasm' });
console.error(describeBackend(report));
const vocab = 10_000;
const rng = new Rng(7);
const results: Record<string, unknown> = { backend: report.backend, vocab };

for (const name of ['smoe-tiny', 'momentum-smoe-tiny', 'adam-smoe-tiny', 'robust-smoe-tiny']) {
  const { model: config, optim } = lmPreset(name, { vocab });
  const model = new SmoeLanguageModel(config, { rng: new Rng(1) });
  const opt = tf.train.adam(optim.lr);
  const [b, m] = [optim.batch, config.blockSize];
  const ids = Int32Array.from({ length: b * (m + 1) }, () => rng.int(vocab));
  const x = tf.tidy(() => tf.slice(tf.tensor2d(ids, [b, m + 1], 'int32'), [0, 0], [b, m]));
  const y = tf.tidy(() => tf.slice(tf.tensor2d(ids, [b, m + 1], 'int32'), [0, 1], [b, m]));
  let cache = model.initCache(b);
  const step = () => {
    let next: tf.Tensor3D[] = [];
    const cost = opt.minimize(
      () => {
        const out = model.loss(x, y, cache);
        next = out.nextCache.map((t) => tf.keep(t));
        return out.loss;
      },
      true,
      model.trainableParameters(),
    )!;
    cost.dataSync();
    tf.dispose([cost, ...cache]);
    cache = next;
  };
  const ms = await medianMs(step, { warmup: 2, reps: 5 });
  const stream = Int32Array.from({ length: b * (8 * m + 1) }, () => rng.int(vocab));
  const evalMs = await medianMs(() => evaluateLm(model, stream, { batch: b }), { warmup: 1, reps: 3 });
  results[name] = {
    params: model.parameterCount(),
    batch: b,
    blockSize: m,
    trainStepMs: Math.round(ms),
    trainTokensPerSec: Math.round((b * m) / (ms / 1000)),
    evalTokensPerSec: Math.round((8 * b * m) / (evalMs / 1000)),
  };
  tf.dispose([x, y, ...cache]);
  opt.dispose();
  model.dispose();
}
writeResult('models-lm', results);
