import * as tf from '@tensorflow/tfjs';
import { Rng } from '@momentum-smoe/core';
import type { Router, RoutingPlan } from '@momentum-smoe/routers';
import { rows, type Matrix } from './reference.js';

/** A `[r, c]` matrix of N(0, scale²) numbers from `seed`, as nested arrays and as a tensor. */
export function randomInput(seed: number, r: number, c: number, scale = 1): { data: Matrix; tensor: tf.Tensor2D } {
  const flat = new Rng(seed).normalArray(r * c, 0, scale);
  return { data: rows(flat, c), tensor: tf.tensor2d(flat, [r, c]) };
}

/** Reads a variable or tensor as nested rows. */
export function read2d(t: tf.Tensor): Matrix {
  return t.arraySync() as Matrix;
}

/** Analytic gradients of `objective(router.route(x))` w.r.t. the given variables and x, as flat arrays. */
export function gradients(
  router: Router,
  vars: tf.Variable[],
  x: tf.Tensor2D,
  objective: (plan: RoutingPlan) => tf.Scalar,
  mask?: tf.Tensor1D,
): { vars: Float32Array[]; x: Float32Array } {
  const routeOpts = mask === undefined ? {} : { mask };
  const { grads, value } = tf.variableGrads(() => objective(router.route(x, routeOpts)), vars);
  const varGrads = vars.map((v) => grads[v.name]!.dataSync() as Float32Array);
  const gx = tf.grad((xx) => objective(router.route(xx as tf.Tensor2D, routeOpts)))(x);
  const out = { vars: varGrads, x: gx.dataSync() as Float32Array };
  tf.dispose([value, gx, ...Object.values(grads)]);
  return out;
}

/** Copy of a generator's current state, to replay the draws a router is about to make. */
export function replay(rng: Rng): Rng {
  const copy = new Rng(0);
  copy.setState(rng.state());
  return copy;
}

/**
 * Makes every read of a tensor's values to the host throw (`dataSync`, `data`, `array`, … all end in the engine's
 * `readSync` or `read`; the cpu backend's kernels read their own memory directly, so the backend's methods would
 * also catch reads that are not transfers). Returns the undo.
 */
export function forbidReads(): () => void {
  const target = tf.engine() as unknown as Record<'readSync' | 'read', (...args: unknown[]) => unknown>;
  const { readSync, read } = target;
  target.readSync = () => {
    throw new Error('synchronous read on the device routing path');
  };
  target.read = () => {
    throw new Error('read on the device routing path');
  };
  return () => {
    target.readSync = readSync;
    target.read = read;
  };
}
