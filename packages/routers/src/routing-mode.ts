/**
 * Where a router makes its top-k decision: on a host copy of the scores, or with device ops only.
 * @module
 */
import * as tf from '@tensorflow/tfjs';

/**
 * `host`: read the logits back once per call and choose on the host (the plan carries the host copy, and dropless
 * dispatch groups rows by expert from it); `device`: choose with device ops only, never reading anything back (the
 * plan has no host copy, and dropless dispatch runs with static shapes); `auto`: `device` on the `webgpu` backend
 * (where a synchronous read throws in Node and stalls the queue elsewhere), `host` on every other backend.
 */
export type RoutingMode = 'host' | 'device' | 'auto';

/** The mode a router uses now: `auto` resolved against the active backend. */
export function resolveRouting(mode: RoutingMode): 'host' | 'device' {
  if (mode !== 'auto') return mode;
  return tf.getBackend() === 'webgpu' ? 'device' : 'host';
}
