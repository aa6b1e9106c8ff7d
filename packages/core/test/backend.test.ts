import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '@momentum-smoe/core';

describe('initBackend', () => {
  it('auto picks wasm here and says why the native packages were skipped', async () => {
    const r = await initBackend({ backend: 'auto' });
    expect(r.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(r.skipped.map((s) => s.package)).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
    expect(r.skipped[0]!.reason).toMatch(/not installed|binding/);
  });
  it('cpu on request', async () => {
    const r = await initBackend({ backend: 'cpu' });
    expect(r.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });
  it('tensorflow on request fails with the install command when no native package is present', async () => {
    await expect(initBackend({ backend: 'tensorflow' })).rejects.toThrow(/pnpm add @tensorflow\/tfjs-node-gpu/);
  });
  it('an unknown backend names the valid ones', async () => {
    await expect(initBackend({ backend: 'webgpu' as never })).rejects.toThrow(/auto, tensorflow, wasm, cpu/);
  });
});
