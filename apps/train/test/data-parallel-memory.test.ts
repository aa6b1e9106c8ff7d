import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@momentum-smoe/core';
import type { Communicator } from '@momentum-smoe/distributed';
import { DataParallel } from '../src/training/data-parallel.js';
import { trainLm } from '../src/training/lm-trainer.js';
import { tinyRun, train, valid } from './fixtures/dp-lm.js';

/**
 * Rank 0 of a group of 2 whose other rank mirrors it: the all-reduce mean and the broadcast from rank 0 leave the
 * data as it is, as they do when both ranks hold the same arrays. (Gathers need a real second rank: the runs below
 * stop before any evaluation or checkpoint.)
 */
const mirrored: Communicator = {
  rank: 0,
  size: 2,
  localRank: 0,
  localSize: 2,
  allReduce: async () => {},
  broadcast: async () => {},
  barrier: async () => {},
  close: async () => {},
};

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('the data-parallel step', () => {
  it('keeps the tensor count flat across steps (weight broadcast, gradient all-reduce, update)', async () => {
    const dp = new DataParallel(mirrored);
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
