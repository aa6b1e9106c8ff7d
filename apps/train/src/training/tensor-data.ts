/**
 * Moving tensors between tfjs and plain {@link TensorData} (what checkpoints hold).
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, listSome, type TensorData } from '@momentum-smoe/core';

/** Reads named tensors into plain data. */
export async function toTensorData(tensors: Map<string, tf.Tensor>): Promise<Map<string, TensorData>> {
  const out = new Map<string, TensorData>();
  for (const [name, t] of tensors) {
    const dtype = t.dtype === 'int32' ? 'int32' : 'float32';
    out.set(name, { dtype, shape: [...t.shape], data: (await t.data()) as Float32Array | Int32Array });
  }
  return out;
}

/**
 * Assigns saved values to variables by name; every variable must be present with its shape. Otherwise nothing is
 * assigned and one `ConfigError` line names `what`, counts the missing, unexpected and mis-shaped tensors and lists
 * a few of each (a config that does not fit the weights can mismatch hundreds).
 */
export function assignFrom(variables: Map<string, tf.Variable>, saved: Map<string, TensorData>, what: string): void {
  const missing = [...variables.keys()].filter((name) => !saved.has(name));
  const unexpected = [...saved.keys()].filter((name) => !variables.has(name));
  const misShaped: string[] = [];
  for (const [name, v] of variables) {
    const t = saved.get(name);
    if (t && t.shape.join() !== v.shape.join()) {
      misShaped.push(`${name} [${t.shape.join(', ')}] where the model has [${v.shape.join(', ')}]`);
    }
  }
  const groups = [
    ['missing', missing],
    ['unexpected', unexpected],
    ['mis-shaped', misShaped],
  ] as const;
  const problems = groups
    .filter(([, list]) => list.length > 0)
    .map(([kind, list]) => `${list.length} ${kind} (${listSome(list, 2, '; ')})`);
  if (problems.length) {
    throw new ConfigError(
      `${what} does not match the model: ${problems.join('; ')}; check that the model config is the one the weights ` +
        'were trained with',
    );
  }
  for (const [name, v] of variables) {
    const t = saved.get(name)!;
    tf.tidy(() => v.assign(tf.tensor(t.data, t.shape, v.dtype)));
  }
}
