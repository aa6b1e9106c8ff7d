/**
 * MoE layer vs a dense FFN of equal active parameters, forward + backward, in one process.
 * Writes bench/results/moe.json. Run: `pnpm bench` in packages/experts.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng, describeBackend, initBackend } from '@momentum-smoe/core';
import { TopKRouter, disposePlan } from '@momentum-smoe/routers';
import { ExpertBank, MoELayer } from '@momentum-smoe/experts';
import { medianMs, writeResult } from '../../../bench/harness.js';

const D = 256;
const HIDDEN = 1024;
const K = 2;

/** Median ms of one forward + backward (gradients for x and every parameter) of `run`. */
async function time(run: (x: tf.Tensor2D) => tf.Tensor2D, params: tf.Variable[], tokens: number, reps: number): Promise<number> {
  const x = tf.variable(tf.randomNormal([tokens, D], 0, 1, 'float32', 1)) as tf.Variable<tf.Rank.R2>;
  const step = () => {
    const { value, grads } = tf.variableGrads(() => tf.sum(run(x)), [x, ...params]);
    tf.dispose([value, ...Object.values(grads)]);
  };
  const ms = await medianMs(step, { warmup: 1, reps });
  x.dispose();
  return ms;
}

async function moeMs(experts: number, tokens: number, reps: number): Promise<number> {
  const rng = new Rng(experts);
  const moe = new MoELayer(new TopKRouter({ dModel: D, experts, topK: K, rng }), new ExpertBank({ experts, dIn: D, dHidden: HIDDEN, rng }));
  const ms = await time(
    (x) => {
      const { y, plan } = moe.apply(x);
      disposePlan(plan);
      return y;
    },
    moe.trainableParameters(),
    tokens,
    reps,
  );
  moe.dispose();
  return ms;
}

/** The dense FFN d → k·hidden → d: the same active parameters per token as top-k of hidden-wide experts. */
async function denseMs(tokens: number, reps: number): Promise<number> {
  const ffn = new ExpertBank({ experts: 1, dIn: D, dHidden: K * HIDDEN, rng: new Rng(0) });
  const ms = await time((x) => ffn.applyGrouped(x, [tokens]), ffn.trainableParameters(), tokens, reps);
  ffn.dispose();
  return ms;
}

async function measure(backend: 'wasm' | 'cpu', tokens: number, reps: number, withE64: boolean) {
  const report = await initBackend({ backend });
  console.error(describeBackend(report));
  const dense = await denseMs(tokens, reps);
  const e16 = await moeMs(16, tokens, reps);
  const out: Record<string, unknown> = { backend: report.backend, patches: report.patches, tokens, dense_ffn_ms: dense, moe_e16_ms: e16, moe_vs_dense_ratio: e16 / dense };
  if (withE64) {
    const e8 = await moeMs(8, tokens, reps);
    const e64 = await moeMs(64, tokens, reps);
    Object.assign(out, { moe_e8_ms: e8, moe_e64_ms: e64, e64_vs_e8_ratio: e64 / e8 });
  }
  return out;
}

const wasm = await measure('wasm', 4096, 3, true);
const cpu = await measure('cpu', 128, 3, false);
writeResult('moe', {
  setup: `fwd+bwd, d=${D}, hidden=${HIDDEN}, k=${K}, TopKRouter, fastmoe init; dense FFN d→${K * HIDDEN}→d`,
  backend: wasm.backend,
  moe_vs_dense_ratio: wasm.moe_vs_dense_ratio,
  e64_vs_e8_ratio: wasm.e64_vs_e8_ratio,
  targets: { moe_vs_dense_ratio: 1.25, e64_vs_e8_ratio: 1.1 },
  wasm,
  cpu: { ...cpu, note: 'cpu backend at T=128 (T=4096 would take minutes per step on the pure-JS backend)' },
});
