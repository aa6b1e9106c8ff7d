import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend } from '@momentum-smoe/core';
import type { Communicator } from '@momentum-smoe/distributed';
import { DataParallel } from '../src/training/data-parallel.js';
import { trainLm } from '../src/training/lm-trainer.js';
import { tinyRun, train, valid } from './fixtures/dp-lm.js';

/**
 * Rank 0 of a group of 2 whose other rank mirrors it: the all-reduce mean and the broadcast from rank 0 leave the
 * data as it is, as they do when both ranks hold the same arrays. The staged all-reduce goes in pieces of `piece`
 * elements, as worker threads reduce an array longer than their shared regions. (Gathers need a real second rank:
 * the runs below stop before any evaluation or checkpoint.)
 */
function mirrored(piece = 2 ** 30): Communicator {
  return {
    rank: 0,
    size: 2,
    localRank: 0,
    localSize: 2,
    allReduce: async () => {},
    allReduceStaged: async (length, staging) => {
      for (let start = 0; start < length; start += piece) {
        const view = new Float32Array(Math.min(piece, length - start));
        staging.write(view, start);
        staging.read(view, start);
      }
    },
    broadcast: async () => {},
    barrier: async () => {},
    close: async () => {},
  };
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('the data-parallel step', () => {
  it('keeps the tensor count flat across steps (weight broadcast, gradient all-reduce, update)', async () => {
    const dp = new DataParallel(mirrored());
    const run = { ...tinyRun('sgsm'), evalEvery: 100 };
    const options = (stopAt: number) => ({ dataParallel: dp, progressLabel: null, stopAt, checkpointOnStop: false });
    (await trainLm(run, train, valid, mkdtempSync(join(tmpdir(), 'dpm-a-')), options(1))).model.dispose();
    const before = tf.memory().numTensors;
    const r = await trainLm(run, train, valid, mkdtempSync(join(tmpdir(), 'dpm-b-')), options(6));
    r.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(r.trainLoss).toHaveLength(6);
  });
});

describe.each(['wasm', 'cpu'] as const)('meanGradients on %s', (backend) => {
  it('writes every gradient and reading into the buffer and reads them back, across pieces (seed 4)', async () => {
    await initBackend({ backend });
    const rng = new Rng(4);
    const values = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
    // Four parameters, one frozen; pieces of 7 elements, so that most gradients span two or more pieces.
    const shapes: [string, number[], boolean][] = [
      ['a', [5], true],
      ['frozen', [3], false],
      ['b', [30, 10], true],
      ['c', [37], true],
      ['d', [2, 3], true],
    ];
    const params = new Map(shapes.map(([n, shape, t]) => [n, tf.variable(tf.zeros(shape), t, `mg-${backend}-${n}`)]));
    const grads: tf.NamedTensorMap = {};
    for (const [n, shape] of shapes.filter(([n, , t]) => t && n !== 'c')) {
      grads[params.get(n)!.name] = tf.tensor(values(shape.reduce((a, b) => a * b, 1)), shape);
    }
    const want = new Map(await Promise.all(Object.entries(grads).map(async ([k, g]) => [k, await g.data()] as const)));
    const before = tf.memory().numTensors;
    const readings = [1.5, -2, 0.25];
    const out = await new DataParallel(mirrored(7)).stepSync(params).meanGradients(grads, readings);
    // c had no gradient: it comes back as zeros; the frozen parameter takes no part.
    expect(Object.keys(out).sort()).toEqual(['a', 'b', 'c', 'd'].map((n) => params.get(n)!.name).sort());
    for (const [n, shape] of shapes.filter(([, , t]) => t)) {
      const t = out[params.get(n)!.name]!;
      expect(t.shape).toEqual(shape);
      const expected = want.get(params.get(n)!.name) ?? new Float32Array(t.size);
      expect(Array.from(await t.data()), `seed 4, ${n}`).toEqual(Array.from(expected));
    }
    expect(readings).toEqual([1.5, -2, 0.25]);
    // The gradients were disposed and replaced by the outputs, one for one plus the missing one.
    expect(tf.memory().numTensors).toBe(before - Object.keys(grads).length + 4);
    tf.dispose([...Object.values(out), ...params.values()]);
  });
});
