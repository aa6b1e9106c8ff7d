import { rankData } from './fixtures/data.js';

/** The naive reference: element by element, ranks in order 0, 1, 2, …, rounding to float32 after every addition. */
export function referenceReduce(seed: number, size: number, length: number, op: 'sum' | 'mean'): Float32Array {
  const data = Array.from({ length: size }, (_, r) => rankData(seed, r, length));
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    let acc = Math.fround(data[0]![i]!);
    for (let r = 1; r < size; r++) acc = Math.fround(acc + data[r]![i]!);
    out[i] = op === 'mean' ? Math.fround(acc / size) : acc;
  }
  return out;
}

/** The same sum with the ranks in reverse order: differs from the reference in some elements when size ≥ 3. */
export function reverseOrderSum(seed: number, size: number, length: number): Float32Array {
  const data = Array.from({ length: size }, (_, r) => rankData(seed, r, length));
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    let acc = Math.fround(data[size - 1]![i]!);
    for (let r = size - 2; r >= 0; r--) acc = Math.fround(acc + data[r]![i]!);
    out[i] = acc;
  }
  return out;
}

/** The bytes of a float array, for bit-exact comparison (`toEqual` on floats would also accept -0 for 0). */
export function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

/** Node options that let a worker thread or child process run the TypeScript sources. */
export const tsExecArgv = ['--conditions=@momentum-smoe/source', '--import', 'tsx'];
