/**
 * Dropless token-choice dispatch: (token, slot) assignments are counting-sorted by expert, each expert runs one matMul
 * on its contiguous rows, and outputs return to their assignments by a gather with the inverse permutation.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import type { TokenChoicePlan } from '@momentum-smoe/routers';
import type { ExpertBank } from './expert-bank.js';
import { routeRows } from './route-rows.js';
import { combineAssignments } from './combine.js';

/** Assignments grouped by expert: the counting sort of the flat expert ids of a `[T, k]` plan. */
export interface ExpertGrouping {
  /** Rows per expert, `[E]`. */
  counts: number[];
  /** Sorted position → assignment id `t·k + j`. */
  order: Int32Array;
  /** Assignment id → sorted position (the inverse of `order`). */
  position: Int32Array;
}

/** Stable counting sort of assignments by expert id, O(T·k + E). Throws on an id outside `[0, E)`. */
export function groupByExpert(expertIds: Int32Array, experts: number): ExpertGrouping {
  const counts = new Array<number>(experts).fill(0);
  for (const e of expertIds) {
    if (!(e >= 0 && e < experts)) throw new RangeError(`routing plan names expert ${e}, outside [0, ${experts})`);
    counts[e]!++;
  }
  const next = new Int32Array(experts);
  for (let e = 1; e < experts; e++) next[e] = next[e - 1]! + counts[e - 1]!;
  const order = new Int32Array(expertIds.length);
  const position = new Int32Array(expertIds.length);
  expertIds.forEach((e, a) => {
    const p = next[e]!++;
    order[p] = a;
    position[a] = p;
  });
  return { counts, order, position };
}

/**
 * The dropless path: every assignment is computed, each expert on exactly its rows.
 * @param x `[T, d]`.
 * @param plan a token-choice plan with `hostIndices`; `weights · kept` are the combine weights.
 * @returns `[T, dOut]`.
 */
export function droplessMoE(x: tf.Tensor2D, plan: TokenChoicePlan, bank: ExpertBank): tf.Tensor2D {
  const [t, k] = plan.indices.shape;
  if (plan.hostIndices === null) throw new Error('internal: droplessMoE needs a plan with hostIndices');
  // Group sizes are data-dependent: they come from the router's host copy of the ids, so nothing is read back here.
  const { counts, order, position } = groupByExpert(plan.hostIndices, bank.experts);
  return tf.tidy(() => {
    const tokenOfRow = tf.tensor1d(
      order.map((a) => Math.floor(a / k)),
      'int32',
    ); // [T·k]
    const orderT = tf.tensor1d(order, 'int32'); // [T·k]
    const positionT = tf.tensor1d(position, 'int32'); // [T·k]
    const rows = routeRows(x, tokenOfRow, positionT, k, false); // [T·k, d], grouped by expert
    const out = bank.applyGrouped(rows, counts); // [T·k, dOut]
    const perAssignment = routeRows(out, positionT, orderT, 1, false); // [T·k, dOut], assignment order
    const weights = tf.mul(plan.weights, tf.cast(plan.kept, 'float32')) as tf.Tensor2D; // [T, k], dropped pairs count 0
    return combineAssignments(perAssignment, weights, t, k);
  });
}
