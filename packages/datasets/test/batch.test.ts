import { describe, expect, it } from 'vitest';
import {
  DatasetError,
  SeededRandom,
  TrainingBlocks,
  batchify,
  evaluationBlockCount,
  evaluationBlocks,
  type Block,
} from '@momentum-smoe/datasets';

/** Ids 0..n-1 shuffled, so every position has a distinct, checkable value. */
function distinctIds(n: number, seed: number): Int32Array {
  const ids = Int32Array.from({ length: n }, (_, i) => i);
  const rng = new SeededRandom(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  return ids;
}

/**
 * Naive block at column `pos` of the official `data.view(B, -1)`: x = data[:, pos:pos+M], y = data[:, pos+1:pos+M+1].
 */
function naiveBlock(ids: Int32Array, B: number, M: number, pos: number): { x: number[]; y: number[] } {
  const T = Math.floor(ids.length / B);
  const x: number[] = [];
  const y: number[] = [];
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < M; j++) {
      x.push(ids[b * T + pos + j]!);
      y.push(ids[b * T + pos + j + 1]!);
    }
  }
  return { x, y };
}

describe('batchify', () => {
  for (const [n, B] of [
    [103, 4],
    [100, 10],
    [7, 7],
    [50, 3],
  ] as const) {
    it(`reshapes ${n} tokens into ${B} contiguous streams, dropping the remainder`, () => {
      const ids = distinctIds(n, n);
      const { data, streams, length } = batchify(ids, B);
      const T = Math.floor(n / B);
      expect([streams, length]).toEqual([B, T]);
      for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) expect(data[b * T + t]).toBe(ids[b * T + t]);
      expect(data.length).toBe(B * T);
    });
  }

  it('rejects bad stream counts with a DatasetError', () => {
    expect(() => batchify(new Int32Array(5), 0)).toThrow(DatasetError);
    expect(() => batchify(new Int32Array(5), 6)).toThrow(/cannot fill 6 streams/);
  });
});

describe('training blocks', () => {
  const seed = 5;
  const B = 3;
  const M = 4;
  const ids = distinctIds(3 * 23, 1); // T = 23
  const data = batchify(ids, B);

  it(`follows the official positions, restarts below M with reset at wrap-around (seed ${seed})`, () => {
    const blocks = new TrainingBlocks(data, M, { seed });
    // Reference: the official loop, with its own generator for randrange(M).
    const rng = new SeededRandom(seed);
    let pos = 0;
    let reset = true;
    let wraps = 0;
    for (let step = 0; step < 40; step++) {
      const got = blocks.next();
      const want = naiveBlock(ids, B, M, pos);
      expect(got.position, `seed ${seed} step ${step}`).toBe(pos);
      expect(got.reset, `seed ${seed} step ${step}`).toBe(reset);
      expect(Array.from(got.x), `seed ${seed} step ${step}`).toEqual(want.x);
      expect(Array.from(got.y), `seed ${seed} step ${step}`).toEqual(want.y);
      reset = false;
      pos += M;
      if (pos >= data.length - M) {
        pos = Math.floor(rng.uniform() * M);
        reset = true;
        wraps++;
      }
    }
    expect(wraps).toBeGreaterThan(3);
  });

  it('restart offsets stay below M and blocks never run past the data', () => {
    const blocks = new TrainingBlocks(data, M, { seed: 9 });
    const restarts = new Set<number>();
    for (let step = 0; step < 400; step++) {
      const { position, reset } = blocks.next();
      expect(position + M + 1).toBeLessThanOrEqual(data.length);
      if (reset && step > 0) restarts.add(position);
    }
    expect([...restarts].every((p) => p >= 0 && p < M)).toBe(true);
    expect(restarts.size).toBe(M); // 70-odd draws from 4 values hit all of them
  });

  it('resumes from a saved state with the same sequence', () => {
    const a = new TrainingBlocks(data, M, { seed: 3 });
    for (let i = 0; i < 13; i++) a.next();
    const saved = JSON.parse(JSON.stringify(a.state())) as ReturnType<TrainingBlocks['state']>;
    const rest: Block[] = Array.from({ length: 30 }, () => a.next());
    const b = new TrainingBlocks(data, M, { state: saved });
    for (const [i, want] of rest.entries()) {
      const got = b.next();
      expect([got.position, got.reset, Array.from(got.x)], `step ${i}`).toEqual([
        want.position,
        want.reset,
        Array.from(want.x),
      ]);
    }
  });

  it('rejects streams shorter than 2M and a foreign saved position', () => {
    expect(() => new TrainingBlocks(batchify(new Int32Array(14), 2), 4)).toThrow(DatasetError); // T = 7 < 8
    expect(() => new TrainingBlocks(data, M, { state: { position: 100, reset: false, rng: [1, 2, 3, 4] } })).toThrow(
      /saved position/,
    );
  });
});

describe('evaluation blocks', () => {
  for (const [n, B, M] of [
    [3 * 23, 3, 4],
    [2 * 20, 2, 5],
    [2 * 21, 2, 5],
    [12, 1, 11],
  ] as const) {
    it(`sequential complete blocks, final partial skipped (n=${n}, B=${B}, M=${M})`, () => {
      const ids = distinctIds(n, n + M);
      const data = batchify(ids, B);
      // Reference: the official loop `while pos < T - M`.
      const positions: number[] = [];
      for (let pos = 0; pos < data.length - M; pos += M) positions.push(pos);
      const got = [...evaluationBlocks(data, M)];
      expect(got.map((b) => b.position)).toEqual(positions);
      expect(evaluationBlockCount(data, M)).toBe(positions.length);
      expect(got.map((b) => b.reset)).toEqual(positions.map((_, i) => i === 0));
      for (const block of got) {
        const want = naiveBlock(ids, B, M, block.position);
        expect(Array.from(block.x)).toEqual(want.x);
        expect(Array.from(block.y)).toEqual(want.y);
      }
    });
  }

  it('rejects streams too short for one block', () => {
    expect(() => evaluationBlockCount(batchify(new Int32Array(8), 2), 4)).toThrow(DatasetError);
  });
});
