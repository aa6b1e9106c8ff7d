import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TensorData } from '@momentum-smoe/core';
import { loadCheckpoint, saveCheckpoint } from '../src/training/checkpoint.js';

const t = (vals: number[]): TensorData => ({ dtype: 'float32', shape: [vals.length], data: Float32Array.from(vals) });

describe('checkpoints', () => {
  it('round-trip model, optimizer and state exactly', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ck-')), 'last.safetensors');
    const state = { step: 42, rng: { s: [1, 2, 3, 4], spareNormal: null }, data: { pos: 17 } };
    await saveCheckpoint(file, {
      model: new Map([['a.weight', t([1, 2.5])]]),
      optimizer: new Map([['a.weight.exp_avg', t([0.1, 0.2])]]),
      buffers: new Map([['cache.0', t([9])]]),
      state,
    });
    const back = await loadCheckpoint<typeof state>(file);
    expect(back.state).toEqual(state);
    expect(Array.from(back.model.get('a.weight')!.data)).toEqual([1, 2.5]);
    expect(Array.from(back.buffers.get('cache.0')!.data)).toEqual([9]);
    expect(Array.from(back.optimizer.get('a.weight.exp_avg')!.data)).toEqual([Math.fround(0.1), Math.fround(0.2)]);
  });

  it('detects a flipped byte, a truncation and a foreign file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ck-'));
    const file = join(dir, 'last.safetensors');
    await saveCheckpoint(file, {
      model: new Map([['w', t([1, 2, 3, 4])]]),
      optimizer: new Map(),
      buffers: new Map(),
      state: { step: 1 },
    });
    const bytes = readFileSync(file);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 2]! ^= 0xff;
    writeFileSync(join(dir, 'flipped'), flipped);
    await expect(loadCheckpoint(join(dir, 'flipped'))).rejects.toThrow(/flipped: checksum mismatch/);
    writeFileSync(join(dir, 'cut'), bytes.subarray(0, bytes.length - 3));
    await expect(loadCheckpoint(join(dir, 'cut'))).rejects.toThrow(/cut: .*truncated/);
    await expect(loadCheckpoint(join(dir, 'missing'))).rejects.toThrow(/missing: cannot read/);
  });

  it('a write that dies before its rename leaves the previous checkpoint loadable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ck-'));
    const file = join(dir, 'last.safetensors');
    await saveCheckpoint(file, {
      model: new Map([['w', t([1])]]),
      optimizer: new Map(),
      buffers: new Map(),
      state: { step: 1 },
    });
    // Simulate the crash: a half-written temporary file beside it, as an interrupted writeFileAtomic leaves.
    writeFileSync(join(dir, '.last.safetensors.999.deadbeef.tmp'), Buffer.from([1, 2, 3]));
    const back = await loadCheckpoint<{ step: number }>(file);
    expect(back.state.step).toBe(1);
    expect(readdirSync(dir).filter((f) => f === 'last.safetensors')).toHaveLength(1);
  });

  it('the next checkpoint write removes the temporary files that killed writes left behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ck-'));
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    const leftover = `.best.safetensors.${dead}.0badcafe.tmp`; // a kill -9 during a write of best.safetensors
    writeFileSync(join(dir, leftover), Buffer.alloc(2048));
    await saveCheckpoint(join(dir, 'last.safetensors'), {
      model: new Map([['w', t([1])]]),
      optimizer: new Map(),
      buffers: new Map(),
      state: { step: 2 },
    });
    expect(readdirSync(dir)).toEqual(['last.safetensors']);
  });
});
