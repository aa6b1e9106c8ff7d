import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import { ExpertBank, applyPlan } from '../src/index.js';
import { checkAgainstReference, gaussianLeaf } from './grad-check.js';
import { expertChoiceRef, softRef, tokenChoiceRef } from './reference.js';
import { expertChoice, fillKept, randomChoices, randomExpertPicks, soft, tokenChoice } from './plans.js';

const T = 9;
const D = 4;
const H = 5;
const DOUT = 3;
const E = 3;
const K = 2;
const TOL = 2e-3;

function bank(seed: number, activation: 'relu' | 'gelu' = 'relu'): ExpertBank {
  return new ExpertBank({ experts: E, dIn: D, dHidden: H, dOut: DOUT, activation, init: 'torch', rng: new Rng(seed) });
}

function expectClose(res: ReturnType<typeof checkAgainstReference>, seed: number): void {
  expect(res.forwardErr, `forward, seed ${seed}`).toBeLessThan(TOL);
  for (const [name, err] of Object.entries(res.gradErr))
    expect(err, `d loss / d ${name}, seed ${seed}`).toBeLessThan(TOL);
}

describe.each(['wasm', 'cpu'] as const)('dispatch paths on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  describe.each([
    { path: 'dropless', capacity: null },
    { path: 'dropless, expert 1 unused', capacity: null, unused: 1 },
    { path: 'capacity (with drops)', capacity: 4 },
    { path: 'capacity (room for all)', capacity: T },
    { path: 'dropless, routed on the device (blocks)', capacity: null, onDevice: true },
    { path: 'dropless, routed on the device, expert 1 unused', capacity: null, unused: 1, onDevice: true },
    {
      path: 'dropless, routed on the device, all tokens on experts 2 and 0',
      capacity: null,
      skewed: true,
      onDevice: true,
    },
  ] as { path: string; capacity: number | null; unused?: number; skewed?: boolean; onDevice?: boolean }[])(
    'token choice, $path',
    ({ capacity, unused, skewed, onDevice }) => {
      it.each([
        [11, 'relu'],
        [12, 'gelu'],
      ] as const)('forward and gradients match the float64 loop reference (seed %i, %s)', (seed, activation) => {
        const rng = new Rng(seed);
        const b = bank(seed, activation);
        const choices = skewed
          ? Int32Array.from({ length: T * K }, (_, a) => (a % K === 0 ? 2 : 0)) // every token: experts 2 and 0
          : unused === undefined
            ? randomChoices(rng, T, K, E)
            : randomChoices(rng, T, K, E - 1).map((e) => (e >= unused ? e + 1 : e));
        const kept = capacity === null ? new Float32Array(T * K).fill(1) : fillKept(choices, T, K, E, capacity);
        if (capacity === 4) expect(kept.includes(0), `seed ${seed} must drop something`).toBe(true);
        const res = checkAgainstReference(
          b,
          [gaussianLeaf('x', [T, D], rng), gaussianLeaf('gate', [T, K], rng)],
          ([x, g]) => {
            const plan = tokenChoice(E, choices, g as tf.Tensor2D, kept, capacity);
            return applyPlan(b, x as tf.Tensor2D, onDevice ? { ...plan, hostIndices: null } : plan);
          },
          ([x, g], w) => tokenChoiceRef(w, x!, T, K, choices, g!, kept),
          seed,
        );
        expectClose(res, seed);
        b.dispose();
      });
    },
  );

  it('expert choice: forward and gradients match the float64 loop reference (seed 21)', () => {
    const seed = 21;
    const rng = new Rng(seed);
    const b = bank(seed);
    const c = 4;
    const picks = randomExpertPicks(rng, T, E, c);
    const res = checkAgainstReference(
      b,
      [gaussianLeaf('x', [T, D], rng), gaussianLeaf('weights', [E, c], rng)],
      ([x, w]) => applyPlan(b, x as tf.Tensor2D, expertChoice(picks, w as tf.Tensor2D)),
      ([x, w], bw) => expertChoiceRef(bw, x!, T, c, picks, w!),
      seed,
    );
    expectClose(res, seed);
    b.dispose();
  });

  it('soft: forward and gradients match the float64 loop reference (seed 31)', () => {
    const seed = 31;
    const rng = new Rng(seed);
    const b = bank(seed);
    const s = 2;
    const res = checkAgainstReference(
      b,
      [
        gaussianLeaf('x', [T, D], rng),
        gaussianLeaf('dispatch', [T, E * s], rng, 0.5),
        gaussianLeaf('combine', [T, E * s], rng, 0.5),
      ],
      ([x, dsp, cmb]) => applyPlan(b, x as tf.Tensor2D, soft(E, s, dsp as tf.Tensor2D, cmb as tf.Tensor2D)),
      ([x, dsp, cmb], bw) => softRef(bw, x!, T, s, dsp!, cmb!),
      seed,
    );
    expectClose(res, seed);
    b.dispose();
  });
});
