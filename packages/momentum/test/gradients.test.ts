import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import {
  AdamRule,
  HeavyBall,
  OfficialAdamFirst,
  RobustMomentum,
  type ResidualRule,
  type ResidualRuleBase,
  type RuleState,
} from '@momentum-smoe/momentum';
import { axpby, gaussian, layerNorm, matmul, tfLayerNorm, type Vec } from './reference.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const T = 2;
const D = 3;
const SEED = 41;
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const softplus = (z: number) => Math.log1p(Math.exp(z));

/** Three MoE layers of experts f_l(x) = tanh(x·W_l), a fixed readout R, in tfjs and float64. */
function problem(seed: number) {
  const rng = new Rng(seed);
  const ws = Array.from({ length: 3 }, () => gaussian(rng, D * D, 0.8));
  const readout = gaussian(rng, T * D);
  const x0 = gaussian(rng, T * D);
  return { ws, readout, x0 };
}

/** The tfjs loss Σ R ⊙ x_3 after three steps of `rule`. */
function tfLoss(rule: ResidualRule, x: tf.Tensor, seed: number, withNorm: boolean): tf.Scalar {
  const { ws, readout } = problem(seed);
  let state: RuleState = rule.initState(x);
  for (let layer = 0; layer < 3; layer++) {
    const w = tf.tensor2d(Float32Array.from(ws[layer]!), [D, D]);
    const ctx = withNorm ? { layer, norm: tfLayerNorm } : { layer };
    ({ x, state } = rule.step(x, (p) => tf.tanh(tf.matMul(p as tf.Tensor2D, w)), state, ctx));
  }
  return tf.sum(tf.mul(x, tf.tensor2d(Float32Array.from(readout), [T, D])));
}

type JsStep = (x: Vec, f: (p: Vec) => Vec, s: Vec[], layer: number, params: number[]) => [Vec, Vec[]];

/** The same loss in float64 with a hand-written step, as a function of (x0, raw parameters). */
function jsLoss(step: JsStep, stateCount: number, seed: number) {
  const { ws, readout } = problem(seed);
  return (x0: Vec, params: number[]) => {
    let x = x0;
    let s: Vec[] = Array.from({ length: stateCount }, () => new Float64Array(T * D));
    for (let layer = 0; layer < 3; layer++) {
      const f = (p: Vec) => matmul(p, ws[layer]!, T, D, D).map(Math.tanh);
      [x, s] = step(x, f, s, layer, params);
    }
    return x.reduce((acc, xi, i) => acc + xi * readout[i]!, 0);
  };
}

const cases: {
  name: string;
  make: () => ResidualRuleBase;
  raw: number[];
  step: JsStep;
  states: number;
  norm: boolean;
}[] = [
  {
    name: 'HeavyBall, learnable μ = sigmoid(θ), γ = softplus(φ)',
    make: () => new HeavyBall({ mu: 0.7, gamma: 0.9, learnable: true }),
    raw: [Math.log(0.7 / 0.3), Math.log(Math.expm1(0.9))],
    states: 1,
    norm: false,
    step: (x, f, [p], _l, [th, ph]) => {
      const pn = axpby(-1, f(x), sigmoid(th!), p!);
      return [axpby(1, x, softplus(ph!), pn), [pn]];
    },
  },
  {
    name: 'AdamRule, learnable μ and γ',
    make: () => new AdamRule({ mu: 0.8, gamma: 0.3, learnable: { mu: true, gamma: true } }),
    raw: [Math.log(0.8 / 0.2), Math.log(Math.expm1(0.3))],
    states: 2,
    norm: false,
    step: (x, f, [p, m], _l, [th, ph]) => {
      const fx = f(x);
      const mu = sigmoid(th!);
      const pn = axpby(mu, p!, 1 - mu, fx);
      const mn = m!.map((mi, i) => 0.999 * mi + 0.001 * fx[i]! ** 2);
      return [x.map((xi, i) => xi - (softplus(ph!) * pn[i]!) / Math.sqrt(mn[i]! + 1e-8)), [pn, mn]];
    },
  },
  {
    name: 'RobustMomentum (κ = 4, ρ = 0.6)',
    make: () => new RobustMomentum({ kappa: 4, rho: 0.6 }),
    raw: [],
    states: 1,
    norm: false,
    step: (x, f, [p]) => {
      const [a, b, c] = [4 * 0.16 * 1.6, (4 * 0.216) / 3, 0.216 / (3 * 0.16 * 1.6)];
      const pn = axpby(-1, f(axpby(1, x, c * a, p!)), b, p!);
      return [axpby(1, x, a, pn), [pn]];
    },
  },
  {
    name: 'OfficialAdamFirst with LayerNorm (Adam at layer 0, heavy ball after)',
    make: () => new OfficialAdamFirst({ mu: 0.7, gamma1: 1, gamma2: 1 }),
    raw: [],
    states: 3,
    norm: true,
    step: (x, f, [p, v, mom], layer) => {
      const fx = f(x);
      const momn = axpby(0.7, mom!, 1, fx);
      if (layer === 0) {
        const pn = axpby(0.9, p!, 0.1, fx);
        const vn = v!.map((vi, i) => 0.999 * vi + 0.001 * fx[i]! ** 2);
        return [
          layerNorm(
            pn.map((pi, i) => -pi / Math.sqrt(vn[i]! + 1e-8)),
            D,
          ),
          [pn, vn, momn],
        ];
      }
      return [layerNorm(axpby(1, x, -1, momn), D), [p!, v!, momn]];
    },
  },
];

describe(`finite-difference gradients through three stacked steps (seed ${SEED})`, () => {
  for (const c of cases) {
    it(c.name, () => {
      const rule = c.make();
      const { x0 } = problem(SEED);
      const params = [...rule.namedParameters().values()];
      expect(params.length).toBe(c.raw.length);
      const xVar = tf.variable(tf.tensor2d(Float32Array.from(x0), [T, D]));
      const { grads } = tf.variableGrads(() => tfLoss(rule, xVar, SEED, c.norm), [xVar, ...params]);
      const reference = jsLoss(c.step, c.states, SEED);
      const h = 1e-6;
      const fdX = Array.from(x0, (_, i) => {
        const up = Float64Array.from(x0);
        const down = Float64Array.from(x0);
        up[i] = up[i]! + h;
        down[i] = down[i]! - h;
        return (reference(up, c.raw) - reference(down, c.raw)) / (2 * h);
      });
      const fdParams = c.raw.map((_, j) => {
        const up = [...c.raw];
        const down = [...c.raw];
        up[j] = up[j]! + h;
        down[j] = down[j]! - h;
        return (reference(x0, up) - reference(x0, down)) / (2 * h);
      });
      const scale = Math.max(1, ...fdX.map(Math.abs));
      const gx = grads[xVar.name]!.dataSync();
      fdX.forEach((g, i) => expect(Math.abs(gx[i]! - g) / scale, `∂L/∂x0[${i}]`).toBeLessThan(2e-3));
      params.forEach((v, j) => {
        const g = grads[v.name]!.dataSync()[0]!;
        const relative = Math.abs(g - fdParams[j]!) / Math.max(1, Math.abs(fdParams[j]!));
        expect(relative, `∂L/∂${v.name}`).toBeLessThan(2e-3);
      });
      tf.dispose(grads);
      xVar.dispose();
      rule.dispose();
    });
  }
});

describe('parameters and memory', () => {
  it('learnable coefficients are named parameters that start at the requested values', () => {
    const rule = new HeavyBall({ mu: 0.7, gamma: 1.5, learnable: { gamma: true } });
    expect([...rule.namedParameters().keys()]).toEqual(['gamma_softplus_inv']);
    expect(rule.gamma.read()).toBeCloseTo(1.5, 6);
    expect(rule.mu.learnable).toBe(false);
    const both = new HeavyBall({ mu: 0.7, learnable: true });
    expect([...both.namedParameters().keys()]).toEqual(['mu_logit', 'gamma_softplus_inv']);
    expect(both.mu.read()).toBeCloseTo(0.7, 6);
    rule.dispose();
    both.dispose();
  });

  it('a step leaves only what it returns (plus f and its look-ahead), and repeated passes keep the tensor count flat', () => {
    const rule = new RobustMomentum();
    const x = tf.ones([T, D]);
    const state = rule.initState(x);
    const before = tf.memory().numTensors;
    const r = rule.step(x, (p) => tf.tanh(p), state, { layer: 0 });
    // new: look-ahead point, f(point), next x, next p
    expect(tf.memory().numTensors - before).toBe(4);
    tf.dispose([r.x, r.state.p!, x, state.p!]);

    const heavy = new HeavyBall({ learnable: true });
    const xVar = tf.variable(tf.ones([T, D]));
    const counts: number[] = [];
    for (let i = 0; i < 4; i++) {
      const { value, grads } = tf.variableGrads(() => tfLoss(heavy, xVar, SEED, false));
      tf.dispose([value, ...Object.values(grads)]);
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size, `counts ${counts.join(', ')}`).toBe(1);
    xVar.dispose();
    heavy.dispose();
  });
});
