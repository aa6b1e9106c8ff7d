/**
 * Token masks: `[T]` with 1 for real tokens and 0 for padding.
 * @module
 */
import type * as tf from '@tensorflow/tfjs';
import { assertShape } from '@momentum-smoe/core';

/** Checks that a mask, when given, is `[T]` (no read). */
export function checkMask(mask: tf.Tensor1D | undefined, tokens: number, what: string): void {
  if (mask !== undefined) assertShape(mask, [tokens], `${what} mask (one entry per token of x)`);
}

/** Reads a mask to the host (checking it is `[T]`), or `null` when every token is real. */
export function readMask(mask: tf.Tensor1D | undefined, tokens: number, what: string): Float32Array | null {
  if (mask === undefined) return null;
  checkMask(mask, tokens, what);
  return Float32Array.from(mask.dataSync());
}

/** Whether token `t` is real. */
export function isReal(valid: Float32Array | null, t: number): boolean {
  return valid === null || valid[t]! !== 0;
}

/** Number of real tokens. */
export function countReal(valid: Float32Array | null, tokens: number): number {
  if (valid === null) return tokens;
  let n = 0;
  for (let t = 0; t < tokens; t++) if (valid[t]! !== 0) n++;
  return n;
}
