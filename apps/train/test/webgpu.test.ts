/**
 * `msmoe` on TensorFlow.js's WebGPU backend (Dawn; in CI Mesa's llvmpipe from scripts/ci/install-webgpu-adapter.sh):
 * training resumes exactly, the train-step bench reports JSON, a tensor over the device's binding limit is a clear
 * error, and a device error stops the run instead of letting it log garbage.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  DeviceError,
  checkBindingSize,
  checkDevice,
  initBackend,
  readSafetensors,
  type WebGpuAdapter,
} from '@momentum-smoe/core';
import { cli } from './cli-helper.js';
import { tinySetup } from './tiny-run.js';

let adapter: WebGpuAdapter;
beforeAll(async () => {
  adapter = (await initBackend({ backend: 'webgpu' })).adapter!;
});

const trainLosses = (run: string): number[] =>
  readFileSync(join(run, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { kind: string; loss?: number })
    .filter((r) => r.kind === 'train')
    .map((r) => r.loss!);

describe('msmoe on webgpu', () => {
  it('4 steps in one go equal 2 steps, then --resume to 4: the same losses and the same weights, bit for bit', async () => {
    const { root, data, config } = tinySetup(5);
    const flags = (out: string, steps: string) => [
      '--config',
      config,
      '--data',
      data,
      '--batch',
      '4',
      '--eval-every',
      '2',
      '--out',
      out,
      '--steps',
      steps,
    ];
    const whole = join(root, 'whole');
    const split = join(root, 'split');
    for (const args of [
      ['train', ...flags(whole, '4'), '--backend', 'webgpu'],
      ['train', ...flags(split, '2'), '--backend', 'webgpu'],
      ['train', '--resume', split, '--steps', '4', '--backend', 'webgpu'],
    ]) {
      const r = await cli(...args);
      expect(r.code, r.err).toBe(0);
      expect(r.err).toMatch(/backend webgpu .*adapter: /);
    }
    expect(trainLosses(whole)).toHaveLength(4);
    expect(trainLosses(split)).toEqual(trainLosses(whole));
    const a = (await readSafetensors(join(whole, 'last.safetensors'))).tensors;
    const b = (await readSafetensors(join(split, 'last.safetensors'))).tensors;
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [name, t] of a)
      expect(Buffer.from(b.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)), name).toBe(true);
  }, 600_000);

  it('bench train-step --backend webgpu --json reports tokens/s', async () => {
    const { config } = tinySetup(6);
    const r = await cli(
      'bench',
      'train-step',
      '--config',
      config,
      '--vocab',
      '64',
      '--batch',
      '2',
      '--reps',
      '2',
      '--backend',
      'webgpu',
      '--json',
    );
    expect(r.code, r.err).toBe(0);
    const result = JSON.parse(r.out) as { backend: string; tokens_per_s: number };
    expect(result.backend).toBe('webgpu');
    expect(result.tokens_per_s).toBeGreaterThan(0);
  }, 300_000);

  it('data parallelism on webgpu is refused in one line that names what works', async () => {
    const { root, data, config } = tinySetup(7);
    const r = await cli(
      'train',
      '--config',
      config,
      '--data',
      data,
      '--out',
      join(root, 'run'),
      '--workers',
      '2',
      '--backend',
      'webgpu',
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--workers 2 cannot run on --backend webgpu .*--backend tensorflow/);
    expect(r.err.split('\n')).toHaveLength(1);
  });

  it('a sum of more tensors than a shader binds at once (the global gradient norm) is right, with no device error', async () => {
    const tensors = Array.from({ length: 37 }, (_, i) => tf.fill([64, 64], i)); // [64, 64] each, all i
    const sum = tf.addN(tensors);
    const values = await sum.data();
    expect(values.every((v) => v === (36 * 37) / 2)).toBe(true); // Σ_{i<37} i
    expect(() => checkDevice()).not.toThrow();
    tf.dispose([sum, ...tensors]);
  });

  it('a tensor over the binding limit is refused with the fix, before it reaches the device', () => {
    const rows = Math.floor(adapter.maxBindingBytes / 4 / 1024) + 1; // one row of 1024 float32 past the limit
    expect(() => checkBindingSize([rows - 1, 1024], 'float32', adapter)).not.toThrow();
    expect(() => checkBindingSize([rows, 1024], 'float32', adapter)).toThrow(ConfigError);
    expect(() => tf.zeros([rows, 1024])).toThrow(/exceeds this GPU's storage-buffer binding limit .*--backend wasm/);
  });

  it('trains and evaluates a small vmoe-mnist for 2 steps, its routers deciding on the device', async () => {
    const { root } = tinySetup(7);
    const out = join(root, 'vision');
    const config = join(root, 'vision.json'); // the preset made small: 2 blocks of width 16, block 1 an MoE
    const small = { hidden: 16, mlpDim: 32, heads: 2, blocks: 2, representationSize: 16 };
    writeFileSync(config, JSON.stringify({ ...small, moe: { blocks: [1], expertHidden: 32 } }));
    const r = await cli(
      ...['train', '--preset', 'vmoe-mnist', '--config', config, '--corpus', 'mnist', '--steps', '2'],
      ...['--batch', '4', '--eval-every', '2', '--out', out, '--backend', 'webgpu'],
    );
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/backend webgpu .*adapter: /);
    expect(r.out).toMatch(/best top-1 \d+\.\d\d%/);
    expect(trainLosses(out)).toHaveLength(2);
    expect(trainLosses(out).every(Number.isFinite)).toBe(true);
  }, 600_000);

  it('an error the device reports only as an event stops the run (checkDevice throws)', async () => {
    expect(() => checkDevice()).not.toThrow();
    const device = (tf.backend() as unknown as { device: { createBuffer(d: object): { destroy(): void } } }).device;
    device.createBuffer({ size: 16, usage: 0 }); // a buffer with no usage is invalid: Dawn fires `uncapturederror`
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(() => checkDevice()).toThrow(DeviceError);
  });
});
