/**
 * Moving tensors between tfjs and plain {@link TensorData} (what checkpoints hold).
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import type { TensorData } from '@momentum-smoe/core';

/** Reads named tensors into plain data. */
export async function toTensorData(tensors: Map<string, tf.Tensor>): Promise<Map<string, TensorData>> {
  const out = new Map<string, TensorData>();
  for (const [name, t] of tensors) {
    const dtype = t.dtype === 'int32' ? 'int32' : 'float32';
    out.set(name, { dtype, shape: [...t.shape], data: (await t.data()) as Float32Array | Int32Array });
  }
  return out;
}

/** Assigns saved values to variables by name; every variable must be present with its shape. */
export function assignFrom(variables: Map<string, tf.Variable>, saved: Map<string, TensorData>, what: string): void {
  const problems: string[] = [];
  for (const [name, v] of variables) {
    const t = saved.get(name);
    if (!t) problems.push(`missing ${name}`);
    else if (t.shape.join() !== v.shape.join()) problems.push(`${name}: shape [${t.shape}] ≠ [${v.shape}]`);
  }
  for (const name of saved.keys()) if (!variables.has(name)) problems.push(`unexpected ${name}`);
  if (problems.length) throw new Error(`${what} does not match the model: ${problems.join('; ')}`);
  for (const [name, v] of variables) {
    const t = saved.get(name)!;
    tf.tidy(() => v.assign(tf.tensor(t.data, t.shape, v.dtype)));
  }
}
