import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FileFormatError,
  Rng,
  initBackend,
  readSafetensors,
  writeSafetensors,
  type TensorData,
} from '@momentum-smoe/core';
import { loadOfficialStateDict, loadWeights, officialStateDict, saveWeights } from '../src/index.js';
import { maxAbsDiff, randomIds, tinyModel } from './lm-helpers.js';

let dir = '';
beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  dir = await mkdtemp(join(tmpdir(), 'msmoe-models-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('weights by official names', () => {
  it.each([
    ['transformer', 'smsg', 2],
    ['glam', 'sasfsasf', 2],
  ] as const)('%s %s: save → load into a differently seeded model is exact', async (base, arch, layers) => {
    const a = tinyModel({ base, arch, layers }, 31).train(false);
    const b = tinyModel({ base, arch, layers }, 32).train(false);
    const file = join(dir, `${base}-${arch}.safetensors`);
    await saveWeights(a, file);
    await loadWeights(b, file);
    for (const [name, v] of a.namedParameters()) expect(maxAbsDiff(v, b.namedParameters().get(name)!), name).toBe(0);
    const ids = randomIds(new Rng(31), 2, 4, 23);
    expect(maxAbsDiff(a.forward(ids, a.initCache(2)).logProbs, b.forward(ids, b.initCache(2)).logProbs)).toBe(0);
    const { metadata } = await readSafetensors(file);
    expect(JSON.parse(metadata.config!)).toEqual(a.config);
    a.dispose();
    b.dispose();
  });

  it('writes PyTorch layouts: Linear (out, in), fastmoe (E, out, in), the gate as gate.gate', () => {
    const model = tinyModel({}, 33);
    const sd = officialStateDict(model);
    const read = (t: TensorData, idx: number[]) => t.data[idx.reduce((off, i, d) => off * t.shape[d]! + i, 0)]!;
    const ours = (name: string) => model.namedParameters().get(name)!.arraySync() as number[][] & number[][][];
    const gate = sd.get('layers.1.smoe.gate.gate.weight')!;
    expect(gate.shape).toEqual([4, 16]);
    expect(read(gate, [3, 7])).toBe(ours('layers.1.smoe.gate.weight')[7]![3]);
    const htoh4 = sd.get('layers.0.smoe.experts.htoh4.weight')!;
    expect(htoh4.shape).toEqual([4, 12, 16]); // [E, inner, hidden]
    expect(read(htoh4, [2, 5, 9])).toBe((ours('layers.0.smoe.experts.w1') as unknown as number[][][])[2]![9]![5]);
    const q = sd.get('layers.0.attn.proj_query.weight')!;
    expect(read(q, [1, 6])).toBe(ours('layers.0.attn.proj_query.weight')[6]![1]);
    expect(sd.get('out_emb.weight')!.shape).toEqual([23, 16]);
    expect(sd.get('key_pe')!.shape).toEqual([1, 8, 6]);
    expect([...sd.keys()].filter((k) => k.startsWith('layers.0.norm'))).toEqual([
      'layers.0.norm1.weight',
      'layers.0.norm1.bias',
      'layers.0.norm2.weight',
      'layers.0.norm2.bias',
      'layers.0.norm3.weight',
      'layers.0.norm3.bias',
    ]);
    model.dispose();
  });

  it('accepts the DDP module. prefix', () => {
    const a = tinyModel({}, 34);
    const b = tinyModel({}, 35);
    const prefixed = new Map([...officialStateDict(a)].map(([k, v]) => [`module.${k}`, v]));
    loadOfficialStateDict(b, prefixed);
    expect(maxAbsDiff(a.key_pe, b.key_pe)).toBe(0);
    a.dispose();
    b.dispose();
  });

  it('a wrong checkpoint fails listing every missing, unexpected and mis-shaped name, and assigns nothing', async () => {
    const model = tinyModel({}, 36);
    const sd = officialStateDict(model);
    sd.delete('layers.0.norm3.bias');
    sd.delete('key_pe');
    sd.set('layers.0.smoe.gate.gate.extra', { dtype: 'float32', shape: [1], data: new Float32Array(1) });
    sd.set('layers.1.attn.proj_key.weight', { dtype: 'float32', shape: [16, 15], data: new Float32Array(240) });
    sd.set('out_emb.bias', { dtype: 'float32', shape: [23], data: new Float32Array(23).fill(5) });
    const file = join(dir, 'wrong.safetensors');
    await writeSafetensors(file, sd);
    const before = model.out_emb.bias!.dataSync().slice();
    const error = await loadWeights(model, file).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FileFormatError);
    const message = (error as Error).message;
    expect(message).toContain(file);
    expect(message).toMatch(/missing \(2\): key_pe, layers\.0\.norm3\.bias/);
    expect(message).toMatch(/unexpected \(1\): layers\.0\.smoe\.gate\.gate\.extra/);
    expect(message).toMatch(/mis-shaped \(1\): layers\.1\.attn\.proj_key\.weight: expected \[16, 16\], got \[16, 15\]/);
    expect(model.out_emb.bias!.dataSync()).toEqual(before);
    model.dispose();
  });

  it('leaks no tensors when saving and loading', () => {
    const model = tinyModel({}, 37);
    loadOfficialStateDict(model, officialStateDict(model));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) loadOfficialStateDict(model, officialStateDict(model));
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
