import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, Rng, initBackend } from '@momentum-smoe/core';
import {
  HeavyBall,
  LMRobustMomentum,
  OfficialAdamFirst,
  OfficialBaseline,
  OfficialHeavyBall,
  VMoEHeavyBall,
  VMoERobustMomentum,
  type ResidualRule,
  type RuleState,
} from '@momentum-smoe/momentum';
import { axpby, gaussian, layerNorm, matmul, relativeError, tfLayerNorm, type Vec } from './reference.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const T = 4;
const D = 6;
const LAYERS = 3;
const SEED = 31;

/** Per-layer nonlinear experts f_l(x) = tanh(x·W_l), with a float64 twin. */
function experts(seed: number) {
  const rng = new Rng(seed);
  const ws = Array.from({ length: LAYERS }, () => gaussian(rng, D * D, 0.6));
  const x0 = gaussian(rng, T * D);
  const js = (l: number, x: Vec) => matmul(x, ws[l]!, T, D, D).map(Math.tanh);
  return { ws, x0, js };
}

/**
 * Runs the rule through LAYERS MoE layers of the official LM wiring: each layer's input is the previous layer's
 * `LN2(x + out)` (the double residual, docs/paper-notes.md#the-language-model-backbone); returns every layer's
 * sublayer output and final state.
 */
function runOfficial(rule: ResidualRule, seed: number, preNorm = false) {
  const { ws, x0 } = experts(seed);
  return tf.tidy(() => {
    const w = ws.map((wl) => tf.tensor2d(Float32Array.from(wl), [D, D]));
    let x: tf.Tensor = tf.tensor2d(Float32Array.from(x0), [T, D]);
    let state: RuleState = rule.initState(x);
    const outs: Float32Array[] = [];
    const states: Record<string, Float32Array>[] = [];
    for (let layer = 0; layer < LAYERS; layer++) {
      const f = (p: tf.Tensor) => tf.tanh(tf.matMul(p as tf.Tensor2D, w[layer]!));
      const ctx = preNorm
        ? { layer, norm: tfLayerNorm, preNorm: (t: tf.Tensor) => tf.mul(tfLayerNorm(t), 0.5) }
        : { layer, norm: tfLayerNorm };
      const r = rule.step(x, f, state, ctx);
      state = r.state;
      outs.push(r.x.dataSync() as Float32Array);
      states.push(Object.fromEntries(Object.entries(state).map(([k, v]) => [k, v.dataSync() as Float32Array])));
      x = tfLayerNorm(tf.add(x, r.x));
    }
    return { outs, states };
  });
}

const ln = (x: Vec) => layerNorm(x, D);
const ln2 = (x: Vec, out: Vec) => ln(axpby(1, x, 1, out));

describe(`official wirings against float64 loops (seed ${SEED})`, () => {
  const { x0, js } = experts(SEED);

  it('baseline: out = LN(x + f)', () => {
    const got = runOfficial(new OfficialBaseline(), SEED);
    let x = x0;
    for (let l = 0; l < LAYERS; l++) {
      const out = ln(axpby(1, x, 1, js(l, x)));
      expect(relativeError(got.outs[l]!, out), `layer ${l}`).toBeLessThan(1e-4);
      x = ln2(x, out);
    }
  });

  it('MomentumSMoE: m = μm + γf, out = LN(x − m), μ = 0.7, γ = 1.3', () => {
    const got = runOfficial(new OfficialHeavyBall({ mu: 0.7, gamma: 1.3 }), SEED);
    let x = x0;
    let m: Vec = new Float64Array(T * D);
    for (let l = 0; l < LAYERS; l++) {
      m = axpby(0.7, m, 1.3, js(l, x));
      const out = ln(axpby(1, x, -1, m));
      expect(relativeError(got.outs[l]!, out), `layer ${l}`).toBeLessThan(1e-4);
      expect(relativeError(got.states[l]!.m!, m), `m after layer ${l}`).toBeLessThan(1e-5);
      x = ln2(x, out);
    }
  });

  it('AdamSMoE: layer 0 cancels the input, the buffer is shared, layer 1 sees mom = μγ2 f0 + γ2 f1', () => {
    const [mu, g1, g2, b1, b2, eps] = [0.7, 0.8, 1.2, 0.9, 0.999, 1e-8];
    const got = runOfficial(new OfficialAdamFirst({ mu, gamma1: g1, gamma2: g2, beta1: b1, beta2: b2, eps }), SEED);
    // layer 0: written as the official code computes it, adam = γ1 p/√(v+ε) + x; out = LN(x − adam)
    const f0 = js(0, x0);
    const p = f0.map((v) => (1 - b1) * v);
    const v = f0.map((fi) => (1 - b2) * fi * fi);
    const adam = x0.map((xi, i) => (g1 / Math.sqrt(v[i]! + eps)) * p[i]! + xi);
    const out0 = ln(axpby(1, x0, -1, adam));
    expect(relativeError(got.outs[0]!, out0), 'layer 0').toBeLessThan(1e-4);
    // the cancellation: x0 does not enter layer 0's output (LN of the soft sign of f0 alone)
    expect(relativeError(got.outs[0]!, ln(f0.map((fi) => -fi / Math.sqrt(fi * fi + 1e-5))))).toBeLessThan(1e-3);
    expect(
      relativeError(
        got.states[0]!.mom!,
        f0.map((fi) => g2 * fi),
      ),
      'mom after layer 0',
    ).toBeLessThan(1e-6);
    const x1 = ln2(x0, out0);
    const f1 = js(1, x1);
    const mom1 = f0.map((fi, i) => mu * g2 * fi + g2 * f1[i]!);
    expect(relativeError(got.states[1]!.mom!, mom1), 'mom after layer 1').toBeLessThan(1e-5);
    expect(relativeError(got.outs[1]!, ln(axpby(1, x1, -1, mom1))), 'layer 1').toBeLessThan(1e-4);
    // p and v pass through the heavy-ball layers unchanged
    expect(relativeError(got.states[2]!.p!, p)).toBeLessThan(1e-6);
    expect(relativeError(got.states[2]!.v!, v)).toBeLessThan(1e-6);
    const x2 = ln2(x1, ln(axpby(1, x1, -1, mom1)));
    const mom2 = axpby(mu, mom1, g2, js(2, x2));
    expect(relativeError(got.outs[2]!, ln(axpby(1, x2, -1, mom2))), 'layer 2').toBeLessThan(1e-4);
  });

  it('V-MoE heavy ball: m = μm + γ MoE(LN(x)), out = LN_post(x − m), μ = 0.8 by default', () => {
    const got = runOfficial(new VMoEHeavyBall(), SEED, true);
    let x = x0;
    let m: Vec = new Float64Array(T * D);
    for (let l = 0; l < LAYERS; l++) {
      m = axpby(
        0.8,
        m,
        1,
        js(
          l,
          ln(x).map((v) => 0.5 * v),
        ),
      );
      const out = ln(axpby(1, x, -1, m));
      expect(relativeError(got.outs[l]!, out), `layer ${l}`).toBeLessThan(1e-4);
      x = ln2(x, out);
    }
  });

  it('V-MoE robust momentum: look-ahead on the normed input, moment = −f + b·moment, out = LN_post(x + a·moment)', () => {
    const got = runOfficial(new VMoERobustMomentum({ kappa: 1.25, rho: 0.2 }), SEED, true);
    const [a, b, ca] = [0.96, 0.04, 0.04];
    let x = x0;
    let moment: Vec = new Float64Array(T * D);
    for (let l = 0; l < LAYERS; l++) {
      const y = ln(x).map((v) => 0.5 * v);
      moment = axpby(-1, js(l, axpby(1, y, ca, moment)), b, moment);
      const out = ln(axpby(1, x, a, moment));
      expect(relativeError(got.outs[l]!, out), `layer ${l}`).toBeLessThan(1e-4);
      x = ln2(x, out);
    }
  });

  it('LM robust momentum (our extension): look-ahead on x, out = LN(x + a·moment)', () => {
    const got = runOfficial(new LMRobustMomentum({ kappa: 4, rho: 0.6 }), SEED);
    const [k, r] = [4, 0.6];
    const a = k * (1 - r) ** 2 * (1 + r);
    const b = (k * r ** 3) / (k - 1);
    const c = r ** 3 / ((k - 1) * (1 - r) ** 2 * (1 + r));
    let x = x0;
    let moment: Vec = new Float64Array(T * D);
    for (let l = 0; l < LAYERS; l++) {
      moment = axpby(-1, js(l, axpby(1, x, c * a, moment)), b, moment);
      const out = ln(axpby(1, x, a, moment));
      expect(relativeError(got.outs[l]!, out), `layer ${l}`).toBeLessThan(1e-4);
      x = ln2(x, out);
    }
  });

  it('without the norm, OfficialHeavyBall is HeavyBall with m = −γp', () => {
    const official = new OfficialHeavyBall({ mu: 0.6, gamma: 0.7 });
    const paper = new HeavyBall({ mu: 0.6, gamma: 0.7 });
    const err = tf.tidy(() => {
      let xo: tf.Tensor = tf.tensor2d(Float32Array.from(x0), [T, D]);
      let xp = xo;
      let so = official.initState(xo);
      let sp = paper.initState(xp);
      for (let layer = 0; layer < 4; layer++) {
        const w = tf.tensor2d(Float32Array.from(gaussian(new Rng(layer), D * D, 0.3)), [D, D]);
        const f = (p: tf.Tensor) => tf.tanh(tf.matMul(p as tf.Tensor2D, w));
        ({ x: xo, state: so } = official.step(xo, f, so, { layer, norm: (t) => t }));
        ({ x: xp, state: sp } = paper.step(xp, f, sp, { layer }));
      }
      return relativeError(xo.dataSync(), xp.dataSync());
    });
    expect(err).toBeLessThan(1e-5);
  });

  it('a step leaves only f(point), the look-ahead point, the output and the new state (norm temporaries freed)', () => {
    const x = tf.ones([2, D]);
    const cases: [ResidualRule, number][] = [
      [new OfficialHeavyBall(), 3], // f, m, out
      [new VMoEHeavyBall(), 4], // + the pre-normed point
      [new OfficialAdamFirst(), 5], // f, p, v, mom, out (layer 0)
      [new VMoERobustMomentum(), 4], // look-ahead, f, moment, out
      [new LMRobustMomentum(), 4],
      [new OfficialBaseline(), 2], // f, out
    ];
    for (const [rule, fresh] of cases) {
      const state = rule.initState(x);
      const before = tf.memory().numTensors;
      const r = rule.step(x, (p) => tf.tanh(p), state, { layer: 0, norm: tfLayerNorm, preNorm: tfLayerNorm });
      expect(tf.memory().numTensors - before, rule.name).toBe(fresh);
      tf.dispose([r.x, ...Object.values(r.state), ...Object.values(state)]);
    }
    x.dispose();
  });

  it('a missing ctx.norm or ctx.preNorm is a ConfigError that names the LayerNorm to pass', () => {
    tf.tidy(() => {
      const x = tf.zeros([2, D]);
      const rule = new OfficialHeavyBall();
      expect(() => rule.step(x, (p) => p, rule.initState(x), { layer: 0 })).toThrow(
        /ctx\.norm is required.*smoe\.layer_norm/,
      );
      const vmoe = new VMoERobustMomentum();
      expect(() => vmoe.step(x, (p) => p, vmoe.initState(x), { layer: 0, norm: (t) => t })).toThrow(ConfigError);
    });
  });
});
