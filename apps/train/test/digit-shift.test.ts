import { describe, expect, it } from 'vitest';
import { Rng } from '@momentum-smoe/core';
import { loadVisionData } from '../src/data/vision-data.js';
import { digitShift, shiftImage } from '../src/vision/digit-shift.js';
import { MNIST_SHIFT } from '../src/vision/recipe.js';

const SEED = 11;

/** The naive definition: pixel (x, y) of the result is pixel (x − dx, y − dy) of the source, or `fill` outside it. */
function shiftedReference(src: Float32Array, side: number, dx: number, dy: number, fill: number): Float32Array {
  const out = new Float32Array(side * side);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) {
      const sx = x - dx;
      const sy = y - dy;
      out[y * side + x] = sx >= 0 && sx < side && sy >= 0 && sy < side ? src[sy * side + sx]! : fill;
    }
  return out;
}

describe('shiftImage', () => {
  it(`matches the naive definition for every shift in [−3, 3]² of a random 5×5 image (seed ${SEED})`, () => {
    const rng = new Rng(SEED);
    const src = Float32Array.from({ length: 25 }, () => rng.uniform());
    const dst = new Float32Array(25).fill(Number.NaN);
    for (let dy = -3; dy <= 3; dy++)
      for (let dx = -3; dx <= 3; dx++) {
        shiftImage(src, dst, 5, dx, dy, -1);
        expect([...dst], `dx ${dx}, dy ${dy}`).toEqual([...shiftedReference(src, 5, dx, dy, -1)]);
      }
  });

  it('moves a single lit pixel by (dx, dy) and fills the rest with the background', () => {
    const src = new Float32Array(16).fill(-1);
    src[1 * 4 + 2] = 1; // (x 2, y 1)
    const dst = new Float32Array(16);
    shiftImage(src, dst, 4, 1, -1, -1);
    expect(dst.indexOf(1)).toBe(0 * 4 + 3); // (x 3, y 0)
    expect(dst.filter((v) => v === -1).length).toBe(15);
  });
});

describe('digitShift', () => {
  it('is a function of (seed, epoch, image), uniform over the (2m + 1)² shifts', () => {
    expect(digitShift(1, 2, 3, 1)).toEqual(digitShift(1, 2, 3, 1));
    const counts = new Map<string, number>();
    const n = 9000;
    for (let i = 0; i < n; i++) {
      const [dx, dy] = digitShift(SEED, 0, i, 1);
      counts.set(`${dx},${dy}`, (counts.get(`${dx},${dy}`) ?? 0) + 1);
    }
    expect(counts.size).toBe(9);
    // Each of the 9 cells expects 1000; 5 standard deviations of a binomial(9000, 1/9) is ±149.
    for (const [cell, c] of counts) expect(Math.abs(c - n / 9), cell).toBeLessThan(150);
    const otherEpoch = Array.from({ length: 50 }, (_, i) => digitShift(SEED, 1, i, 1).join());
    const firstEpoch = Array.from({ length: 50 }, (_, i) => digitShift(SEED, 0, i, 1).join());
    expect(otherEpoch).not.toEqual(firstEpoch);
  });
});

describe('the MNIST training stream with MNIST_SHIFT', () => {
  it('gives each digit one of its 9 shifts, and the same batches after a restore as without one', async () => {
    const plain = await loadVisionData({ corpus: 'mnist', trainLimit: 40, testLimit: 8 });
    const shifted = await loadVisionData({ corpus: 'mnist', trainLimit: 40, testLimit: 8, augment: MNIST_SHIFT });
    const px = 28 * 28;
    const a = plain.train(16, SEED);
    const b = shifted.train(16, SEED);
    let moved = 0;
    for (let step = 0; step < 5; step++) {
      const [p, s] = [await a.next(), await b.next()];
      expect([...s.labels]).toEqual([...p.labels]);
      for (let k = 0; k < p.count; k++) {
        const digit = p.images.subarray(k * px, (k + 1) * px);
        const got = [...s.images.subarray(k * px, (k + 1) * px)];
        const shifts = [-1, 0, 1].flatMap((dy) => [-1, 0, 1].map((dx) => [dx, dy] as const));
        const match = shifts.filter(([dx, dy]) => {
          const ref = shiftedReference(digit, 28, dx, dy, -1);
          return got.every((v, i) => v === ref[i]);
        });
        expect(match.length, `step ${step}, image ${k}`).toBeGreaterThan(0);
        if (!match.some(([dx, dy]) => dx === 0 && dy === 0)) moved++;
      }
    }
    expect(moved).toBeGreaterThan(40); // 8/9 of 80 images expected moved

    const whole = shifted.train(16, SEED);
    const batches = [];
    for (let i = 0; i < 6; i++) batches.push(await whole.next());
    const first = shifted.train(16, SEED);
    for (let i = 0; i < 3; i++) await first.next();
    const resumed = shifted.train(16, SEED);
    resumed.restore(first.state());
    for (let i = 3; i < 6; i++) expect([...(await resumed.next()).images]).toEqual([...batches[i]!.images]);
  });
});
