/**
 * MoE layer vs a dense FFN of equal active parameters, and E=64 vs E=8, forward + backward, in one process.
 * Writes bench/results/moe.json. Run: `pnpm bench` in packages/experts.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng, describeBackend, initBackend } from '@momentum-smoe/core';
import { TopKRouter, disposePlan } from '@momentum-smoe/routers';
import { ExpertBank, MoELayer } from '@momentum-smoe/experts';
import { interleavedTimes, median, pairedRatio, writeResult } from '../../../bench/harness.js';

const D = 256;
const HIDDEN = 1024;
const K = 2;

/** A step function: one forward + backward (gradients for x and every parameter) of `run`, and its clean-up. */
interface Workload {
  step: () => void;
  dispose: () => void;
}

function workload(
  run: (x: tf.Tensor2D) => tf.Tensor2D,
  params: tf.Variable[],
  tokens: number,
  owner: { dispose(): void },
): Workload {
  const x = tf.variable(tf.randomNormal([tokens, D], 0, 1, 'float32', 1)) as tf.Variable<tf.Rank.R2>;
  const step = () => {
    const { value, grads } = tf.variableGrads(() => tf.sum(run(x)), [x, ...params]);
    tf.dispose([value, ...Object.values(grads)]);
  };
  return { step, dispose: () => (x.dispose(), owner.dispose()) };
}

function moe(experts: number, tokens: number): Workload {
  const rng = new Rng(experts);
  const layer = new MoELayer(
    new TopKRouter({ dModel: D, experts, topK: K, rng }),
    new ExpertBank({ experts, dIn: D, dHidden: HIDDEN, rng }),
  );
  const run = (x: tf.Tensor2D) => {
    const { y, plan } = layer.apply(x);
    disposePlan(plan);
    return y;
  };
  return workload(run, layer.trainableParameters(), tokens, layer);
}

/** The dense FFN d → k·hidden → d: the same active parameters per token as top-k of hidden-wide experts. */
function dense(tokens: number): Workload {
  const ffn = new ExpertBank({ experts: 1, dIn: D, dHidden: K * HIDDEN, rng: new Rng(0) });
  return workload((x) => ffn.applyGrouped(x, [tokens]), ffn.trainableParameters(), tokens, ffn);
}

async function measure(backend: 'wasm' | 'cpu', tokens: number, reps: number, withExpertScaling: boolean) {
  const report = await initBackend({ backend });
  console.error(describeBackend(report));
  const loads: Record<string, Workload> = { dense: dense(tokens), e16: moe(16, tokens) };
  if (withExpertScaling) Object.assign(loads, { e8: moe(8, tokens), e64: moe(64, tokens) });
  const t = await interleavedTimes(Object.fromEntries(Object.entries(loads).map(([n, w]) => [n, w.step])), {
    warmup: 1,
    reps,
  });
  Object.values(loads).forEach((w) => w.dispose());
  const out: Record<string, unknown> = {
    backend: report.backend,
    patches: report.patches,
    tokens,
    dense_ffn_ms: median(t.dense!),
    moe_e16_ms: median(t.e16!),
    moe_vs_dense_ratio: pairedRatio(t.e16!, t.dense!),
  };
  if (withExpertScaling) {
    Object.assign(out, {
      moe_e8_ms: median(t.e8!),
      moe_e64_ms: median(t.e64!),
      e64_vs_e8_ratio: pairedRatio(t.e64!, t.e8!),
    });
  }
  return out;
}

const wasm = await measure('wasm', 4096, 15, true);
const cpu = await measure('cpu', 128, 3, false);
writeResult('moe', {
  setup:
    `fwd+bwd, d=${D}, hidden=${HIDDEN}, k=${K}, TopKRouter, fastmoe init; dense FFN d→${K * HIDDEN}→d; ` +
    'times: medians; ratios: medians of per-repetition ratios (interleaved runs)',
  backend: wasm.backend,
  moe_vs_dense_ratio: wasm.moe_vs_dense_ratio,
  e64_vs_e8_ratio: wasm.e64_vs_e8_ratio,
  targets: { moe_vs_dense_ratio: 1.25, e64_vs_e8_ratio: 1.1 },
  wasm,
  cpu: { ...cpu, note: 'cpu backend at T=128 (T=4096 would take minutes per step on the pure-JS backend)' },
});
