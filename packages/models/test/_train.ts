import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { Rng, initBackend } from '@momentum-smoe/core';
import { VisionMoE, visionPreset } from '../src/vision/index.js';
await initBackend({ backend: 'wasm' });
const mnist = createRequire(import.meta.url)('mnist') as { get(i: number): number[]; length: number }[];
const load = (from: number, per: number) => {
  const xs: number[] = [],
    ys: number[] = [];
  for (let i = from; i < from + per; i++)
    for (let d = 0; d < 10; d++) {
      xs.push(...mnist[d]!.get(i));
      ys.push(d);
    }
  return { xs: Float32Array.from(xs), ys: Int32Array.from(ys), n: ys.length };
};
const train = load(0, 150),
  test = load(150, 50);
const [hidden, heads, lr, steps, bs] = process.argv.slice(2).map(Number) as [number, number, number, number, number];
const base = visionPreset('vmoe-mnist');
const cfg = {
  ...base,
  blocks: 2,
  hidden,
  heads,
  mlpDim: 2 * hidden,
  representationSize: hidden,
  moe: { ...base.moe, blocks: [1], expertHidden: 2 * hidden },
};
const model = new VisionMoE(cfg, { seed: 0 });
const opt = tf.train.adam(lr);
const rng = new Rng(0);
const t0 = performance.now();
let perm = rng.permutation(train.n),
  pos = 0;
for (let s = 0; s < steps; s++) {
  if (pos + bs > train.n) {
    perm = rng.permutation(train.n);
    pos = 0;
  }
  const idx = perm.slice(pos, pos + bs);
  pos += bs;
  const x = tf.tidy(() =>
    tf.gather(tf.tensor2d(train.xs, [train.n, 784]), tf.tensor1d(idx, 'int32')).reshape([bs, 28, 28, 1]),
  ) as tf.Tensor4D;
  const y = tf.tensor1d(
    Array.from(idx, (i) => train.ys[i]!),
    'int32',
  );
  const c = opt.minimize(() => model.loss(x, y).loss, true, model.trainableParameters());
  if (s % 10 === 0) console.log(s, c!.dataSync()[0]!.toFixed(3), ((performance.now() - t0) / 1000).toFixed(1));
  tf.dispose([x, y, c!]);
}
model.train(false);
const x = tf.tensor4d(test.xs, [test.n, 28, 28, 1]);
const out = model.forward(x);
const pred = out.logits.argMax(1).dataSync();
let ok = 0;
pred.forEach((p, i) => {
  if (p === test.ys[i]) ok++;
});
console.log('acc', ok / test.n, 'time', ((performance.now() - t0) / 1000).toFixed(1));
