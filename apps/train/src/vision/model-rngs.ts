/**
 * The random generators inside a model. A vision model's routers (noise) and expert banks (dropout) each draw from
 * their own fork of the constructor's generator, and no module exposes them; exact resume needs their states. This
 * finds every `Rng` reachable from the model's fields, named by the property path to it, so a rebuilt model (same
 * config and seed, hence the same paths) can take the saved states back.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { Rng, type RngState } from '@momentum-smoe/core';

/**
 * Every `Rng` reachable from `root` through object fields, arrays and maps (tensors are not entered), by path,
 * e.g. `blocks.1.mlp.moe.router.rng`. A generator reachable by several paths is listed once, under the first.
 */
export function modelRngs(root: object): Map<string, Rng> {
  const found = new Map<string, Rng>();
  const seen = new WeakSet<object>();
  const visit = (value: unknown, path: string) => {
    if (value === null || typeof value !== 'object' || value instanceof tf.Tensor || seen.has(value)) return;
    seen.add(value);
    if (value instanceof Rng) {
      found.set(path, value);
      return;
    }
    if (ArrayBuffer.isView(value)) return;
    const join = (key: string) => (path ? `${path}.${key}` : key);
    if (value instanceof Map) for (const [k, v] of value) visit(v, join(String(k)));
    // A Module's `children` map adds nothing to the name: `blocks.1.mlp…`, as parameter names read.
    else for (const [k, v] of Object.entries(value)) visit(v, k === 'children' && v instanceof Map ? path : join(k));
  };
  visit(root, '');
  return found;
}

/** The states of {@link modelRngs}`(root)`, by path (JSON-serialisable). */
export function modelRngStates(root: object): Record<string, RngState> {
  return Object.fromEntries([...modelRngs(root)].map(([path, rng]) => [path, rng.state()]));
}

/**
 * Restores states saved by {@link modelRngStates} into a model built with the same config and seed.
 * @throws Error naming the paths that differ (the checkpoint belongs to another architecture).
 */
export function setModelRngStates(root: object, states: Record<string, RngState>, what: string): void {
  const rngs = modelRngs(root);
  const missing = Object.keys(states).filter((p) => !rngs.has(p));
  const extra = [...rngs.keys()].filter((p) => !(p in states));
  if (missing.length || extra.length) {
    throw new Error(
      `${what}: random generators do not match the model ` +
        `(saved only: ${missing.join(', ') || 'none'}; model only: ${extra.join(', ') || 'none'})`,
    );
  }
  for (const [path, rng] of rngs) rng.setState(states[path]!);
}
