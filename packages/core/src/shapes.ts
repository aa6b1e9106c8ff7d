import type * as tf from '@tensorflow/tfjs';
import { ShapeError } from './errors.js';

/**
 * Checks a tensor's shape against a pattern; `null` (or a string naming the dimension) matches any size.
 * Throws a {@link ShapeError} naming `what` otherwise.
 * @example
 * ```ts
 * assertShape(x, [null, 256], 'MoELayer input x');   // x: [T, 256]
 * ```
 */
export function assertShape(t: tf.Tensor, pattern: ReadonlyArray<number | string | null>, what: string): void {
  const ok = t.shape.length === pattern.length && pattern.every((d, i) => typeof d !== 'number' || t.shape[i] === d);
  if (!ok) throw new ShapeError(what, pattern, t.shape);
}
