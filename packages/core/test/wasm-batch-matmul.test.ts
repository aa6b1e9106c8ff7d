import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend, installWasmPatches } from '@momentum-smoe/core';
import { backendDataIds, expectClose, naiveMatMul, randomArray, runOn } from './wasm-helpers.js';
import { asWasmBackend } from '../src/wasm/heap.js';
import { fastBatchMatMul } from '../src/wasm/fast-batch-matmul.js';

const SEED = 20241;

beforeAll(async () => {
  const report = await initBackend({ backend: 'wasm' });
  expect(report.patches).toContain('BatchMatMul');
});

interface Case {
  a: number[];
  b: number[];
  tA: boolean;
  tB: boolean;
}

// shapes where the cpu kernel's batch handling is right (equal batches, or one side's batch of size 1)
const CASES: Case[] = [
  { a: [33, 17], b: [17, 9], tA: false, tB: false },
  { a: [17, 33], b: [17, 9], tA: true, tB: false },
  { a: [33, 17], b: [9, 17], tA: false, tB: true },
  { a: [17, 33], b: [9, 17], tA: true, tB: true },
  { a: [1, 40], b: [40, 3], tA: false, tB: false },
  { a: [4, 12, 8], b: [4, 8, 10], tA: false, tB: false },
  { a: [4, 8, 12], b: [4, 10, 8], tA: true, tB: true },
  { a: [3, 16, 8], b: [3, 16, 8], tA: false, tB: true }, // attention-shaped q·kᵀ
  { a: [3, 16, 8], b: [3, 16, 5], tA: true, tB: false },
  { a: [1, 12, 8], b: [5, 8, 6], tA: false, tB: false }, // A broadcast
  { a: [5, 12, 8], b: [1, 6, 8], tA: false, tB: true }, // B broadcast, transposed
  { a: [5, 8, 12], b: [8, 6], tA: true, tB: false }, // rank 3 × rank 2
  { a: [2, 3, 7, 5], b: [2, 3, 5, 4], tA: false, tB: false },
  { a: [6, 5], b: [2, 3, 5, 4], tA: false, tB: false },
];

const name = (c: Case) => `[${c.a}]${c.tA ? 'ᵀ' : ''} × [${c.b}]${c.tB ? 'ᵀ' : ''}`;
const size = (s: number[]) => s.reduce((p, d) => p * d, 1);

describe('BatchMatMul patch on wasm', () => {
  it.each(CASES)('matches cpu: %#', async (c) => {
    const rng = new Rng(SEED);
    const [av, bv] = [randomArray(rng, size(c.a)), randomArray(rng, size(c.b))];
    const f = () => tf.matMul(tf.tensor(av, c.a), tf.tensor(bv, c.b), c.tA, c.tB);
    const [cpu, wasm] = [await runOn('cpu', f), await runOn('wasm', f)];
    expectClose(wasm, cpu, 1e-5, `${name(c)}, seed ${SEED}`);
  });

  it.each(CASES)('the XNNPACK path (used where the SIMD gemm cannot load) matches float64 loops: %#', async (c) => {
    const rng = new Rng(SEED + 7);
    const [av, bv] = [randomArray(rng, size(c.a)), randomArray(rng, size(c.b))];
    await tf.setBackend('wasm');
    const [a, b] = [tf.tensor(av, c.a), tf.tensor(bv, c.b)];
    const info = fastBatchMatMul(asWasmBackend(tf.backend()), a, b, c.tA, c.tB);
    const out = tf.engine().makeTensorFromTensorInfo(info);
    const ref = naiveMatMul(av, c.a, bv, c.b, c.tA, c.tB);
    expect(out.shape).toEqual(ref.shape);
    expectClose([await out.data()], [ref.values], 1e-5, `${name(c)}, seed ${SEED + 7}`);
    tf.dispose([a, b, out]);
  });

  it('broadcasts interleaved batch dims as numpy does ([2,1] with [3]; the cpu kernel gets this one wrong)', async () => {
    const rng = new Rng(SEED + 1);
    const [aShape, bShape] = [
      [2, 1, 4, 6],
      [3, 6, 5],
    ];
    const [av, bv] = [randomArray(rng, size(aShape)), randomArray(rng, size(bShape))];
    await tf.setBackend('wasm');
    const out = tf.matMul(tf.tensor(av, aShape), tf.tensor(bv, bShape));
    const ref = naiveMatMul(av, aShape, bv, bShape, false, false);
    expect(out.shape).toEqual(ref.shape);
    expectClose([await out.data()], [ref.values], 1e-5, `seed ${SEED + 1}`);
    out.dispose();
  });

  it('gradients with transposes and batch match cpu (tfjs has no matMul gradient for broadcast batches)', async () => {
    for (const c of [CASES[3]!, CASES[6]!, CASES[7]!, CASES[8]!, CASES[12]!]) {
      const rng = new Rng(SEED + 2);
      const [av, bv] = [randomArray(rng, size(c.a)), randomArray(rng, size(c.b))];
      const probeValues = randomArray(rng, naiveMatMul(av, c.a, bv, c.b, c.tA, c.tB).values.length);
      const f = () => {
        const [a, b, probe] = [tf.tensor(av, c.a), tf.tensor(bv, c.b), tf.tensor(probeValues)];
        const loss = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y, c.tA, c.tB).flatten(), probe));
        return tf.grads(loss)([a, b]);
      };
      const [cpu, wasm] = [await runOn('cpu', f), await runOn('wasm', f)];
      expectClose(wasm, cpu, 1e-5, `grad ${name(c)}, seed ${SEED + 2}`);
    }
  });

  it('many different products in a row stay right (no weights cached under a reused or reshaped id)', async () => {
    const seed = SEED + 4;
    const rng = new Rng(seed);
    await tf.setBackend('wasm');
    for (let i = 0; i < 40; i++) {
      const [m, k, n] = [1 + rng.int(20), 1 + rng.int(20), 1 + rng.int(20)];
      const [tA, tB] = [rng.uniform() < 0.5, rng.uniform() < 0.5];
      const batch = [1, 1, 3][rng.int(3)]!;
      const aShape = [...(rng.uniform() < 0.5 ? [batch] : []), ...(tA ? [k, m] : [m, k])];
      const bShape = [...(rng.uniform() < 0.5 ? [batch] : []), ...(tB ? [n, k] : [k, n])];
      const [av, bv] = [randomArray(rng, size(aShape)), randomArray(rng, size(bShape))];
      const out = tf.tidy(() => tf.matMul(tf.tensor(av, aShape), tf.tensor(bv, bShape), tA, tB));
      const ref = naiveMatMul(av, aShape, bv, bShape, tA, tB);
      expectClose(
        [await out.data()],
        [ref.values],
        1e-5,
        `product ${i}: [${aShape}]${tA ? 'ᵀ' : ''} × [${bShape}]${tB ? 'ᵀ' : ''}, seed ${seed}`,
      );
      out.dispose();
    }
  });

  it('a weight reused through a reshape (same tensor id, new shape) gives the right product', async () => {
    const seed = SEED + 5;
    const rng = new Rng(seed);
    await tf.setBackend('wasm');
    const [wv, xv, x2v] = [randomArray(rng, 64 * 64), randomArray(rng, 8 * 64), randomArray(rng, 8 * 32)];
    const w = tf.tensor(wv, [64, 64]);
    const first = tf.matMul(tf.tensor(xv, [8, 64]), w);
    const second = tf.matMul(tf.tensor(x2v, [8, 32]), w.reshape([32, 128]));
    const again = tf.matMul(tf.tensor(xv, [8, 64]), w);
    const [r1, r2] = [
      naiveMatMul(xv, [8, 64], wv, [64, 64], false, false),
      naiveMatMul(x2v, [8, 32], wv, [32, 128], false, false),
    ];
    expectClose(
      [await first.data(), await second.data(), await again.data()],
      [r1.values, r2.values, r1.values],
      1e-5,
      `seed ${seed}`,
    );
    tf.dispose([w, first, second, again]);
  });

  it('_FusedMatMul with transposes, batch, bias and activations matches cpu', async () => {
    const rng = new Rng(SEED + 6);
    const [av, bv, biasv] = [randomArray(rng, 3 * 9 * 11), randomArray(rng, 3 * 7 * 9), randomArray(rng, 7)];
    for (const activation of ['linear', 'relu', 'elu', 'sigmoid'] as const) {
      for (const [aShape, bShape, tA, tB] of [
        [[3, 9, 11], [3, 7, 9], true, true],
        [[33, 9], [7, 9], false, true],
        [[3, 9, 11], [1, 9, 7], true, false],
      ] as const) {
        const f = () =>
          tf.fused.matMul({
            a: tf.tensor(av.slice(0, size([...aShape])), [...aShape]),
            b: tf.tensor(bv.slice(0, size([...bShape])), [...bShape]),
            transposeA: tA,
            transposeB: tB,
            bias: tf.tensor(biasv),
            activation,
          });
        const [cpu, wasm] = [await runOn('cpu', f), await runOn('wasm', f)];
        expectClose(wasm, cpu, 1e-5, `${activation} [${aShape}] [${bShape}] ${tA} ${tB}, seed ${SEED + 6}`);
      }
    }
  });

  it('_FusedMatMul with prelu (left to the stock kernel) still matches cpu', async () => {
    const rng = new Rng(SEED + 8);
    const [av, bv, alpha] = [randomArray(rng, 6 * 5), randomArray(rng, 5 * 4), randomArray(rng, 4)];
    const f = () =>
      tf.fused.matMul({
        a: tf.tensor(av, [6, 5]),
        b: tf.tensor(bv, [5, 4]),
        activation: 'prelu',
        preluActivationWeights: tf.tensor(alpha),
      });
    const [cpu, wasm] = [await runOn('cpu', f), await runOn('wasm', f)];
    expectClose(wasm, cpu, 1e-5, `seed ${SEED + 8}`);
  });

  it('leaks neither tensors nor backend data across repeated calls', async () => {
    await tf.setBackend('wasm');
    const rng = new Rng(SEED + 7);
    const a = tf.tensor(randomArray(rng, 4 * 16 * 8), [4, 16, 8]);
    const b = tf.tensor(randomArray(rng, 4 * 12 * 8), [4, 12, 8]);
    const bias = tf.tensor(randomArray(rng, 12));
    const step = () =>
      tf
        .tidy(() => {
          const grads = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y, false, true).sum())([a, b]);
          const fused = tf.fused.matMul({ a, b, transposeB: true, bias, activation: 'relu' });
          return tf.addN([grads[0]!.sum(), grads[1]!.sum(), fused.sum()]);
        })
        .dispose();
    step();
    const [tensors, ids] = [tf.memory().numTensors, backendDataIds()];
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backendDataIds()).toBe(ids);
    tf.dispose([a, b, bias]);
  });

  it('installWasmPatches is idempotent and harmless on another backend', async () => {
    const kernels = [
      'UnsortedSegmentSum',
      'Conv2DBackpropFilter',
      'BatchMatMul',
      '_FusedMatMul',
      'GatherV2',
      'Slice',
      'Unpack',
      'SplitV',
      'Identity',
      'Exp',
      'Transpose',
      'MsmoeGroupedMatMul',
      'MsmoeGroupedWeightGrad',
      'MsmoeAdamStep',
      'MsmoeSquaredNorm',
      'MsmoeSoftmaxNll',
      'MsmoeSoftmaxNllGrad',
      'MsmoeLayerNorm',
      'MsmoeLayerNormGrad',
      'MsmoeRelativeSoftmax',
      'MsmoeRelativeSoftmaxGrad',
      'MsmoeSeededDropout',
      'MsmoeSoftmaxWithNll',
      'MsmoeSoftmaxProbsNllGrad',
    ];
    const before = kernels.map((k) => tf.getKernel(k, 'wasm')?.kernelFunc);
    expect(installWasmPatches()).toEqual(kernels);
    expect(kernels.map((k) => tf.getKernel(k, 'wasm')?.kernelFunc)).toEqual(before);
    await tf.setBackend('cpu');
    const cpuMatMul = tf.getKernel('BatchMatMul', 'cpu');
    expect(installWasmPatches()).toEqual(kernels);
    expect(tf.getKernel('BatchMatMul', 'cpu')).toBe(cpuMatMul);
    const out = tf.matMul(tf.tensor([[1, 2]]), tf.tensor([[3], [4]]));
    expect(Array.from(await out.data())).toEqual([11]);
    out.dispose();
  });
});
