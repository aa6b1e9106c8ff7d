import { applyRandAugmentOp, RANDAUGMENT_OPS, SeededRandom, mixBatch } from '../src/index.js';
const data = new Uint8Array(224 * 224 * 3).map((_, i) => (i * 2654435761) >>> 24);
const im = { data, width: 224, height: 224 };
for (const op of RANDAUGMENT_OPS) {
  const rng = new SeededRandom(1);
  for (let i = 0; i < 3; i++) applyRandAugmentOp(im, op, 10, rng);
  const c = process.cpuUsage();
  for (let i = 0; i < 20; i++) applyRandAugmentOp(im, op, 10, rng);
  const u = process.cpuUsage(c);
  console.log(op.padEnd(14), ((u.user + u.system) / 1000 / 20).toFixed(2), 'ms cpu');
}
const imgs = new Float32Array(32 * 224 * 224 * 3); const labels = new Int32Array(32);
const c = process.cpuUsage(); mixBatch(imgs, labels, 1000, [0.8, 0.2]); const u = process.cpuUsage(c);
console.log('mixBatch 32', ((u.user + u.system) / 1000).toFixed(1), 'ms cpu');
