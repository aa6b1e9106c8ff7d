/**
 * Compares an MoE computation and its gradients against a float64 loop reference and its central finite differences.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@momentum-smoe/core';
import type { ExpertBank } from '../src/index.js';
import { type BankWeights, dot, finiteDiff, maxRelErr, readBank } from './reference.js';

/** A differentiable input: its shape and seeded values. */
export interface Leaf {
  name: string;
  shape: number[];
  values: Float64Array;
}

export interface CheckResult {
  forwardErr: number;
  gradErr: Record<string, number>;
}

/**
 * Runs `compute(leaves…)` with the bank, and the loss Σ y·r; compares y and d loss / d (leaves, w1, b1, w2, b2)
 * with `reference` and finite differences of it.
 */
export function checkAgainstReference(
  bank: ExpertBank,
  leaves: Leaf[],
  compute: (inputs: tf.Tensor[]) => tf.Tensor,
  reference: (inputs: Float64Array[], w: BankWeights) => Float64Array,
  seed: number,
): CheckResult {
  const w = readBank(bank);
  const inputs = leaves.map((l) => l.values);
  const yRef = reference(inputs, w);
  const r = new Rng(seed + 1000).normalArray(yRef.length);
  const lossRef = () => dot(reference(inputs, w), r);
  const params: [string, Float64Array][] = [
    ['w1', w.w1],
    ['b1', w.b1],
    ['w2', w.w2],
    ['b2', w.b2],
  ];
  const expected: Record<string, Float64Array> = {};
  for (let i = 0; i < leaves.length; i++) expected[leaves[i]!.name] = finiteDiff(lossRef, inputs[i]!);
  for (const [n, v] of params) expected[n] = finiteDiff(lossRef, v);

  const xs = leaves.map((l) => tf.tensor(Float32Array.from(l.values), l.shape));
  const vars = [bank.w1, bank.b1, bank.w2, bank.b2];
  const rT = tf.tensor(r);
  let y!: Float32Array;
  const grads = tf.grads((...args: tf.Tensor[]) => {
    const out = compute(args.slice(0, xs.length));
    y = out.dataSync() as Float32Array;
    return tf.sum(tf.mul(tf.reshape(out, [-1]), rT));
  })([...xs, ...vars]);
  const names = [...leaves.map((l) => l.name), 'w1', 'b1', 'w2', 'b2'];
  const gradErr: Record<string, number> = {};
  grads.forEach((g, i) => (gradErr[names[i]!] = maxRelErr(g.dataSync(), expected[names[i]!]!)));
  tf.dispose([...xs, rT, ...grads]);
  return { forwardErr: maxRelErr(y, yRef), gradErr };
}

/** A leaf of seeded Gaussian values. */
export function gaussianLeaf(name: string, shape: number[], rng: Rng, std = 1): Leaf {
  return {
    name,
    shape,
    values: Float64Array.from(
      rng.normalArray(
        shape.reduce((a, b) => a * b, 1),
        0,
        std,
      ),
    ),
  };
}
