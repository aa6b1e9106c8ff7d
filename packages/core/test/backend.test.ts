import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { describeBackend, initBackend } from '@momentum-smoe/core';

describe('initBackend', () => {
  it('auto picks wasm here and says why tfjs-node-gpu, WebGPU and tfjs-node were skipped, in that order', async () => {
    // No Vulkan driver (a manifest list naming only a missing file): auto looks for a GPU adapter only, so it skips
    // WebGPU without loading Dawn.
    process.env.VK_DRIVER_FILES = '/no/such/icd.json';
    const r = await initBackend({ backend: 'auto' });
    delete process.env.VK_DRIVER_FILES;
    expect(r.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(r.skipped.map((s) => s.package)).toEqual([
      '@tensorflow/tfjs-node-gpu',
      '@tensorflow/tfjs-backend-webgpu + webgpu (Dawn)',
      '@tensorflow/tfjs-node',
    ]);
    expect(r.skipped[0]!.reason).toMatch(/not installed|binding/);
    expect(r.skipped[1]!.reason).toMatch(/no Vulkan driver .*NVIDIA_DRIVER_CAPABILITIES/);
    expect(describeBackend(r)).toMatch(/^backend wasm \(@tensorflow\/tfjs-backend-wasm\); skipped: /);
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
    await expect(initBackend({ backend: 'metal' as never })).rejects.toThrow(/auto, tensorflow, webgpu, wasm, cpu/);
  });
});
