/**
 * Dropless dispatch candidates, forward + backward of one MoE layer at the language-model presets' widths (E = 16,
 * k = 2), in one process with interleaved runs: host routing + grouped dispatch (the cpu/wasm path), device routing +
 * block-padded dispatch (the webgpu path), and device routing + every expert on every token (dense). Writes
 * bench/results/device-dispatch.json. Run: `node --conditions=@momentum-smoe/source --import tsx
 * bench/device-dispatch.ts` in packages/experts.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng, initBackend } from '@momentum-smoe/core';
import { TopKRouter, expertOneHot, type TokenChoicePlan } from '@momentum-smoe/routers';
import { ExpertBank, runMoE } from '@momentum-smoe/experts';
import { interleavedTimes, median, pairedRatio, writeResult } from '../../../bench/harness.js';

/**
 * The rejected candidate, kept here as the reference point: every expert on every token (one `applyBatched` on the
 * tokens broadcast to `[E, T, d]`), mixed by a `[T, E]` matrix holding each token's gate weights at its chosen experts.
 */
function denseDroplessMoE(x: tf.Tensor2D, plan: TokenChoicePlan, bank: ExpertBank): tf.Tensor2D {
  const [t, d] = x.shape;
  return tf.tidy(() => {
    const out = bank.applyBatched(tf.broadcastTo(tf.expandDims(x, 0), [bank.experts, t, d]) as tf.Tensor3D);
    const weights = tf.expandDims(tf.mul(plan.weights, plan.kept), 2); // [T, k, 1]
    const combine = tf.sum(tf.mul(expertOneHot(plan.indices, bank.experts), weights), 1); // [T, E]
    return tf.sum(tf.mul(out, tf.expandDims(tf.transpose(combine), 2)), 0) as tf.Tensor2D; // [T, dOut]
  });
}

const EXPERTS = 16;
const K = 2;

/** One forward + backward (gradients for x and every parameter) of an MoE layer routed on the host or the device. */
function moeStep(width: number, tokens: number, path: 'host' | 'block' | 'dense') {
  const rng = new Rng(width);
  const router = new TopKRouter({
    dModel: width,
    experts: EXPERTS,
    topK: K,
    rng,
    routing: path === 'host' ? 'host' : 'device',
  });
  const bank = new ExpertBank({ experts: EXPERTS, dIn: width, dHidden: width, rng });
  const params = [...router.trainableParameters(), ...bank.trainableParameters()];
  const x = tf.variable(tf.randomNormal([tokens, width], 0, 1, 'float32', 1)) as tf.Variable<tf.Rank.R2>;
  const forward = (xx: tf.Tensor2D) =>
    path === 'dense' ? denseDroplessMoE(xx, router.route(xx) as TokenChoicePlan, bank) : runMoE(router, bank, xx).y;
  const step = () => {
    const { value, grads } = tf.variableGrads(() => tf.sum(forward(x)), [x, ...params]);
    tf.dispose([value, ...Object.values(grads)]);
  };
  // The reference candidate must compute what the tested paths compute.
  const check = () => tf.tidy(() => tf.max(tf.abs(tf.sub(forward(x), runMoE(router, bank, x).y))).dataSync()[0]!);
  if (path === 'dense' && !(check() < 1e-4)) throw new Error(`dense candidate differs from runMoE: ${check()}`);
  const dispose = () => [x, router, bank].forEach((m) => m.dispose());
  return { step, dispose };
}

async function measure(backend: 'wasm' | 'cpu', width: number, tokens: number, reps: number) {
  await initBackend({ backend });
  const host = moeStep(width, tokens, 'host');
  const block = moeStep(width, tokens, 'block');
  const dense = moeStep(width, tokens, 'dense');
  const t = await interleavedTimes({ host: host.step, block: block.step, dense: dense.step }, { warmup: 1, reps });
  [host, block, dense].forEach((w) => w.dispose());
  return {
    backend,
    width,
    tokens,
    host_ms: median(t.host!),
    block_ms: median(t.block!),
    dense_ms: median(t.dense!),
    block_vs_host_ratio: pairedRatio(t.block!, t.host!),
    dense_vs_block_ratio: pairedRatio(t.dense!, t.block!),
  };
}

const runs = [
  await measure('wasm', 128, 1024, 7), // tiny / small presets' width
  await measure('wasm', 352, 1024, 5), // medium presets' width
  await measure('cpu', 128, 256, 3),
];
writeResult('device-dispatch', {
  setup:
    `MoE layer fwd+bwd, E=${EXPERTS}, k=${K}, hidden = width; host: TopKRouter host routing, grouped dropless; ` +
    'block: device routing, ≤ 2E blocks of ⌈T·k/E⌉ rows on gathered weights; dense: device routing, every expert ' +
    'on every token; times: medians; ratios: medians of per-repetition ratios (interleaved)',
  runs,
});
