import { describe, expect, it } from 'vitest';
import { runWorkers, WorkerCommunicator, type Communicator } from '../src/index.js';
import { rankData, type ExercisePayload } from './fixtures/data.js';
import type { ExerciseResult } from './fixtures/exercise.js';
import { sharedMemory } from '../src/sum-kernel.js';
import { bits, referenceReduce, reverseOrderSum } from './reference.js';

const entry = new URL('./fixtures/worker-exercise.mjs', import.meta.url);

type Regions = { initialRegionBytes?: number; maxRegionBytes?: number };

function run(size: number, payload: ExercisePayload, regions: Regions = {}) {
  return runWorkers<ExerciseResult>({ size, entry, payload, ...regions });
}

describe('WorkerCommunicator', () => {
  it('all-reduce over 4 threads equals the naive rank-order float32 sum and mean, bit for bit', async () => {
    const payload = { seed: 11, length: 10_007, root: 2 };
    // Regions start at 4 KiB and stop at 16 KiB: the 40 KB arrays grow the buffer and go in three pieces.
    const results = await run(4, payload, { initialRegionBytes: 4096, maxRegionBytes: 16_384 });
    const sum = referenceReduce(payload.seed, 4, payload.length, 'sum');
    const mean = referenceReduce(payload.seed, 4, payload.length, 'mean');
    // The data are such that the summation order shows: the reference is not order-free.
    expect(bits(reverseOrderSum(payload.seed, 4, payload.length))).not.toEqual(bits(sum));
    for (const r of results) {
      expect(bits(r.sum), `seed ${payload.seed}, rank ${r.rank}`).toEqual(bits(sum));
      expect(bits(r.mean), `seed ${payload.seed}, rank ${r.rank}`).toEqual(bits(mean));
      // staged: written into and read out of the shared regions directly, in three ranges of at most 4,096 floats
      expect(bits(r.staged), `seed ${payload.seed}, rank ${r.rank}`).toEqual(bits(mean));
      expect(r.ranges).toEqual([
        [0, 4096],
        [4096, 4096],
        [8192, payload.length - 8192],
      ]);
      // 40 KB from rank 2 in three pieces of at most 16 KiB
      expect(bits(r.floats)).toEqual(bits(rankData(payload.seed + 1, payload.root, payload.length)));
    }
    const places = results.map((r) => [r.rank, r.size, r.localRank, r.localSize]);
    expect(places).toEqual([0, 1, 2, 3].map((r) => [r, 4, r, 4]));
  });

  it('two runs give identical bits', async () => {
    const payload = { seed: 5, length: 4099, root: 0 };
    const [a, b] = [await run(3, payload), await run(3, payload)];
    for (let r = 0; r < 3; r++) {
      expect(bits(a[r]!.sum)).toEqual(bits(b[r]!.sum));
      expect(bits(a[r]!.mean)).toEqual(bits(b[r]!.mean));
    }
  });

  it("broadcast gives every rank the root's floats and bytes; one worker is a no-op group", async () => {
    const payload = { seed: 3, length: 64, root: 1 };
    const results = await run(3, payload);
    for (const r of results) {
      expect(bits(r.floats)).toEqual(bits(rankData(payload.seed + 1, 1, payload.length)));
      expect(Array.from(new Set(r.bytes))).toEqual([1 + 7]);
    }
    const [single] = await run(1, { ...payload, root: 0 });
    expect(bits(single!.sum)).toEqual(bits(rankData(payload.seed, 0, payload.length)));
    expect(bits(single!.staged)).toEqual(bits(rankData(payload.seed, 0, payload.length)));
    expect(bits(single!.mean)).toEqual(bits(rankData(payload.seed, 0, payload.length)));
  });

  it('refuses to build outside a runWorkers thread, and rejects a bad size or root', () => {
    expect(() => WorkerCommunicator.fromWorkerData()).toThrow(/not started by runWorkers/);
    expect(() => runWorkers({ size: 0, entry })).toThrow(/size must be an integer/);
    const comm: Communicator = new WorkerCommunicator({
      rank: 0,
      size: 2,
      control: new SharedArrayBuffer(64),
      memory: sharedMemory(1024, 1024),
      initialRegionBytes: 256,
      maxRegionBytes: 256,
      timeoutMs: 1000,
    });
    expect(() => comm.broadcast(new Uint8Array(1), 2)).toThrow(/root must be a rank in \[0, 1\]/);
    expect(() => comm.allReduce(new Float32Array(1), 'max' as 'sum')).toThrow(/'sum' or 'mean'/);
  });
});
