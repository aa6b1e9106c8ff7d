import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { growMemory, sharedMemory, sumReference, SumKernel, wasmPageBytes } from '../src/sum-kernel.js';
import { rankData } from './fixtures/data.js';
import { bits } from './reference.js';

describe('SumKernel (the all-reduce summation in WebAssembly SIMD on shared memory)', () => {
  it('runs the binary assembled from sum-kernel.wat (the embedded copy is not stale)', () => {
    const script = fileURLToPath(new URL('../scripts/build-wasm.mjs', import.meta.url));
    expect(() => execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' })).not.toThrow();
  });

  // Lengths around the four-lane width (tails of 0–3), and unaligned element offsets.
  const cases = [0, 1, 3, 4, 5, 8, 37, 1000, 4099].flatMap((n) => [0, 1, 6].map((shift) => ({ n, shift })));
  it.each(cases)('add, addDivide and divide equal the float32 reference bit for bit: %o', ({ n, shift }) => {
    const seed = 17 + n + shift;
    const memory = sharedMemory(3 * 4 * (n + 8), 4 * wasmPageBytes);
    const kernel = new SumKernel(memory);
    const [a, b] = [rankData(seed, 0, n), rankData(seed, 1, n)];
    const base = (k: number) => (k * (n + 8) + shift) * 4; // byte offsets of dst, a, b
    const view = (k: number) => new Float32Array(memory.buffer, base(k), n);
    view(1).set(a);
    view(2).set(b);
    const expected = new Float32Array(n);

    kernel.add(base(0), base(1), base(2), n);
    sumReference(expected, a, b);
    expect(bits(view(0)), `seed ${seed}`).toEqual(bits(expected));

    kernel.addDivide(base(0), base(0), base(2), n, 3);
    sumReference(expected, Float32Array.from(expected), b, 3);
    expect(bits(view(0)), `seed ${seed}`).toEqual(bits(expected));
    // the inputs are untouched
    expect(bits(view(1))).toEqual(bits(a));

    kernel.divide(base(1), n, 7);
    const divided = Float32Array.from(a, (x) => x / 7);
    expect(bits(view(1)), `seed ${seed}`).toEqual(bits(divided));
  });

  it('the reference rounds to float32 after the addition and after the division', () => {
    const [x, y] = [Float32Array.of(1), Float32Array.of(2 ** -24)];
    const out = new Float32Array(1);
    sumReference(out, x, y); // 1 + 2^-24 is not a float32: rounds to 1 (ties to even)
    expect(out[0]).toBe(1);
    sumReference(out, Float32Array.of(1), Float32Array.of(0), 3);
    expect(out[0]).toBe(Math.fround(1 / 3));
  });

  it('grows a shared memory by pages and never shrinks it; another view of it sees the growth', () => {
    const memory = sharedMemory(100, 8 * wasmPageBytes);
    expect(memory.buffer.byteLength).toBe(wasmPageBytes);
    growMemory(memory, 2 * wasmPageBytes + 1);
    expect(memory.buffer.byteLength).toBe(3 * wasmPageBytes);
    growMemory(memory, 10);
    expect(memory.buffer.byteLength).toBe(3 * wasmPageBytes);
    expect(() => growMemory(memory, 9 * wasmPageBytes)).toThrow(RangeError);
  });
});
