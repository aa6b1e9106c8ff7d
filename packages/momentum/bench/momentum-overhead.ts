/**
 * momentum_overhead_ratio: forward+backward through a stack of 6 MoE layers (real TopKRouter + ExpertBank +
 * MoELayer) with HeavyBall, over the same stack with PlainResidual; also AdamRule and RobustMomentum. One process,
 * configurations interleaved within each repetition so that machine load affects all alike.
 *
 * Run: pnpm --filter @momentum-smoe/momentum bench   (env BENCH_T, BENCH_HIDDEN, BENCH_REPS to shrink it)
 */
import * as tf from '@tensorflow/tfjs';
import { Rng, initBackend } from '@momentum-smoe/core';
import { ExpertBank, MoELayer } from '@momentum-smoe/experts';
import { TopKRouter } from '@momentum-smoe/routers';
import { AdamRule, HeavyBall, PlainResidual, RobustMomentum, type ResidualRule } from '@momentum-smoe/momentum';
import { median, pairedRatio, writeResult } from '../../../bench/harness.js';

const LAYERS = 6;
const D = 256;
const T = Number(process.env.BENCH_T ?? 4096);
const HIDDEN = Number(process.env.BENCH_HIDDEN ?? 1024);
const E = 16;
const K = 2;
const REPS = Number(process.env.BENCH_REPS ?? 5);

const backend = await initBackend({ backend: 'auto' });
const rng = new Rng(0);
const layers = Array.from(
  { length: LAYERS },
  () =>
    new MoELayer(
      new TopKRouter({ dModel: D, experts: E, topK: K, rng }),
      new ExpertBank({ experts: E, dIn: D, dHidden: HIDDEN, rng }),
    ),
);
const input = tf.tensor2d(rng.normalArray(T * D), [T, D]);
const readout = tf.tensor2d(rng.normalArray(T * D, 0, 1 / Math.sqrt(T * D)), [T, D]);
const params = layers.flatMap((l) => l.trainableParameters());

const rules: Record<string, ResidualRule> = {
  plain: new PlainResidual(),
  heavyBall: new HeavyBall({ mu: 0.7, gamma: 1 }),
  adam: new AdamRule({ mu: 0.9, beta: 0.999, gamma: 1 }),
  robustMomentum: new RobustMomentum({ kappa: 1.25, rho: 0.2, L: 1 }),
};

/** Forward through the stack; counts expert-mixture evaluations. */
function forward(rule: ResidualRule, counter: { calls: number }): tf.Scalar {
  let x: tf.Tensor = input;
  let state = rule.initState(x);
  for (const [layer, moe] of layers.entries()) {
    const f = (p: tf.Tensor) => {
      counter.calls++;
      return moe.apply(p as tf.Tensor2D).y;
    };
    ({ x, state } = rule.step(x, f, state, { layer }));
  }
  return tf.sum(tf.mul(x, readout));
}

/** One forward+backward; returns milliseconds. */
function timeOnce(rule: ResidualRule): number {
  const t0 = performance.now();
  const { value, grads } = tf.variableGrads(() => forward(rule, { calls: 0 }), params);
  value.dataSync();
  for (const g of Object.values(grads)) g.dataSync();
  const ms = performance.now() - t0;
  tf.dispose([value, ...Object.values(grads)]);
  return ms;
}

const names = Object.keys(rules);
const evaluationsPerLayer: Record<string, number> = {};
for (const name of names) {
  const counter = { calls: 0 };
  tf.tidy(() => forward(rules[name]!, counter));
  evaluationsPerLayer[name] = counter.calls / LAYERS;
}
for (const name of names) timeOnce(rules[name]!); // warm-up
const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
for (let rep = 0; rep < REPS; rep++) {
  // rotate the order each repetition so no rule always runs first
  for (let i = 0; i < names.length; i++) {
    const name = names[(i + rep) % names.length]!;
    times[name]!.push(timeOnce(rules[name]!));
  }
  console.error(`rep ${rep + 1}/${REPS}: ${names.map((n) => `${n} ${times[n]!.at(-1)!.toFixed(0)} ms`).join(', ')}`);
}

// The rules' own cost, less exposed to machine load than the 6-layer MoE stack: the same forward+backward with the
// MoE replaced by a per-channel scale f(p) = p ⊙ s (one cheap differentiable op), many repetitions.
const scale = tf.variable(tf.fill([D], 0.5));
function ruleOnlyMs(rule: ResidualRule): number {
  const t0 = performance.now();
  const { value, grads } = tf.variableGrads(() => {
    let x: tf.Tensor = input;
    let state = rule.initState(x);
    for (let layer = 0; layer < LAYERS; layer++)
      ({ x, state } = rule.step(x, (p) => tf.mul(p, scale), state, { layer }));
    return tf.sum(tf.mul(x, readout));
  }, [scale]);
  value.dataSync();
  const ms = performance.now() - t0;
  tf.dispose([value, ...Object.values(grads)]);
  return ms;
}
const ruleOnly: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
for (let rep = 0; rep < 3 + 4 * REPS; rep++) for (const name of names) ruleOnly[name]!.push(ruleOnlyMs(rules[name]!));
const ruleMs = Object.fromEntries(names.map((n) => [n, median(ruleOnly[n]!.slice(3))]));
const extraCost = (n: string) => Number((1 + (ruleMs[n]! - ruleMs.plain!) / median(times.plain!)).toFixed(4));
const ms = Object.fromEntries(names.map((n) => [n, median(times[n]!)]));
// per-repetition ratios (each pair runs seconds apart), then their median: drift in machine load cancels
const ratio = (n: string) => Number(pairedRatio(times[n]!, times.plain!).toFixed(4));

writeResult('momentum', {
  benchmark: 'forward+backward through 6 MoE layers (TopKRouter + ExpertBank + MoELayer), rule vs PlainResidual',
  backend: backend.backend,
  config: { layers: LAYERS, dModel: D, tokens: T, dHidden: HIDDEN, experts: E, topK: K, reps: REPS },
  momentum_overhead_ratio: ratio('heavyBall'),
  target: '<= 1.02',
  adam_overhead_ratio: ratio('adam'),
  robust_momentum_overhead_ratio: ratio('robustMomentum'),
  expert_evaluations_per_layer: evaluationsPerLayer,
  rule_only_ms: ruleMs,
  ratio_from_rule_cost: {
    heavyBall: extraCost('heavyBall'),
    adam: extraCost('adam'),
    robustMomentum: extraCost('robustMomentum'),
  },
  note:
    'ratio_from_rule_cost = 1 + (rule-only time − plain rule-only time) / plain MoE-stack time: ' +
    'the overhead the rule itself adds, less sensitive to machine load than the direct ratios',
  median_ms: ms,
  all_ms: times,
});
