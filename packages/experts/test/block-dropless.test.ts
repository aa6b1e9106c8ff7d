import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import { ExpertBank, applyPlan } from '../src/index.js';
import { blockMaps } from '../src/block-dropless.js';
import { randomChoices, tokenChoice } from './plans.js';

/** The block layout by plain loops: a stable sort by expert, each group padded to whole blocks of b rows. */
function referenceMaps(ids: Int32Array, t: number, k: number, experts: number, b: number) {
  const a = t * k;
  const counts = new Array<number>(experts).fill(0);
  ids.forEach((e) => counts[e]!++);
  const start: number[] = [];
  let next = 0;
  for (let e = 0; e < experts; e++) {
    start.push(next);
    next += Math.ceil(counts[e]! / b);
  }
  const seen = new Array<number>(experts).fill(0);
  const slot = Array.from(ids, (e) => start[e]! * b + seen[e]!++);
  const rows = 2 * experts * b;
  const assignment = new Array<number>(rows).fill(a);
  slot.forEach((s, i) => (assignment[s] = i));
  const token = assignment.map((i) => (i === a ? t : Math.floor(i / k)));
  // Blocks past the used ones hold no rows; their expert is the last (any would do).
  const expert = Array.from({ length: 2 * experts }, (_, j) => {
    const e = start.findIndex((s, i) => j >= s && j < s + Math.ceil(counts[i]! / b));
    return e < 0 ? experts - 1 : e;
  });
  return { slot, assignment, token, expert, used: next };
}

describe.each(['cpu', 'wasm'] as const)('block-padded dropless dispatch on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend });
  });

  it.each([
    [81, 9, 2, 3],
    [82, 13, 3, 5],
    [83, 7, 1, 4],
  ])('the block layout equals a stable sort padded to whole blocks, within 2E blocks (seed %i)', (seed, t, k, e) => {
    const rng = new Rng(seed);
    const ids = seed === 83 ? new Int32Array(t * k) : randomChoices(rng, t, k, e); // seed 83: all on expert 0
    const b = Math.ceil((t * k) / e);
    const want = referenceMaps(ids, t, k, e, b);
    const got = tf.tidy(() => {
      const m = blockMaps(tf.tensor2d(ids, [t, k], 'int32'), e, b);
      return [m.slotOfAssignment, m.assignmentOfSlot, m.tokenOfSlot, m.expertOfBlock].map((x) => x.arraySync());
    });
    expect(want.used, `seed ${seed}: blocks used`).toBeLessThanOrEqual(2 * e);
    expect(got, `seed ${seed}`).toEqual([want.slot, want.assignment, want.token, want.expert]);
  });

  it("in training draws its dropout from the bank's generator, one seed per call, as applyBatched does (seed 84)", () => {
    const seed = 84;
    const rng = new Rng(seed);
    const bank = new ExpertBank({ experts: 3, dIn: 4, dHidden: 64, dropout: 0.5, rng: new Rng(seed) });
    bank.train(true);
    const choices = randomChoices(rng, 6, 2, 3);
    const x = tf.randomNormal([6, 4], 0, 1, 'float32', seed) as tf.Tensor2D;
    const plan = tokenChoice(3, choices, tf.ones([6, 2]), new Float32Array(12).fill(1), null);
    const generator = (bank as unknown as { rng: Rng }).rng;
    const expected = new Rng(0);
    expected.setState(generator.state());
    expected.nextSeed();
    const trained = applyPlan(bank, x, { ...plan, hostIndices: null });
    expect(generator.state(), 'one seed drawn from the bank generator').toEqual(expected.state());
    bank.train(false);
    const evaluated = applyPlan(bank, x, { ...plan, hostIndices: null });
    expect(generator.state(), 'no draw in evaluation').toEqual(expected.state());
    const differs = tf.tidy(() => tf.max(tf.abs(tf.sub(trained, evaluated))).dataSync()[0]!);
    expect(differs, 'dropout is applied in training').toBeGreaterThan(1e-3);
    tf.dispose([x, trained, evaluated, plan.indices, plan.weights, plan.kept]);
    bank.dispose();
  });
});
