/**
 * Dropless token-choice dispatch without host indices, with static shapes: the T·k assignments are sorted by expert
 * on the device, each expert's group is padded to whole blocks of b = ⌈T·k/E⌉ rows, and each block runs on its
 * expert's weights (gathered per block). Since Σ_e ⌈c_e/b⌉ ≤ T·k/b + E ≤ 2E, 2E blocks always suffice: about 2·T·k
 * rows of expert compute, against T·k for the grouped host path and E·T for running every expert on every token.
 * See the package README for the measurements behind this choice.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { type TokenChoicePlan, expertOneHot } from '@momentum-smoe/routers';
import type { ExpertBank } from './expert-bank.js';
import { routeRows } from './route-rows.js';
import { combineAssignments } from './combine.js';

/** Where each assignment sits among the blocks, which assignment and token fill each block row, and block experts. */
export interface BlockMaps {
  /** `[T·k]` int32: the block row of each assignment `t·k + j`. */
  slotOfAssignment: tf.Tensor1D;
  /** `[2E·b]` int32: the assignment in each block row, or `T·k` for a padding row. */
  assignmentOfSlot: tf.Tensor1D;
  /** `[2E·b]` int32: the token in each block row, or `T` for a padding row. */
  tokenOfSlot: tf.Tensor1D;
  /** `[2E]` int32: the expert of each block (spare blocks at the end: any expert, all rows padding). */
  expertOfBlock: tf.Tensor1D;
}

/**
 * The block layout of a plan's `[T, k]` ids, on the device: assignments of expert e take rows `start_e·b + rank`,
 * where rank counts the earlier assignments of e (a stable sort) and `start_e` the blocks of the experts before e.
 * `indices` must be a constant for the tape (as a router's plan ids are): comparisons have no gradient. Call it
 * inside `tf.tidy` (it leaves its packed result to the enclosing scope).
 */
export function blockMaps(indices: tf.Tensor2D, experts: number, blockRows: number): BlockMaps {
  const [t, k] = indices.shape;
  const a = t * k;
  const blocks = 2 * experts;
  const rows = blocks * blockRows;
  const int = (v: number) => tf.scalar(v, 'int32');
  // The ids are a constant for the tape (as a host plan's), so none of these comparisons is ever differentiated.
  const packed = tf.tidy(() => {
    const ids = tf.reshape(indices, [a]) as tf.Tensor1D; // [T·k]
    const assigned = tf.reshape(expertOneHot(indices, experts), [a, experts]); // [T·k, E]
    const rank = tf.sum(tf.mul(tf.cumsum(assigned, 0, true), assigned), 1); // [T·k]
    const perExpert = tf.ceil(tf.div(tf.sum(assigned, 0), blockRows)); // [E] blocks of each expert
    const start = tf.cumsum(perExpert, 0, true); // [E] first block of each expert
    const slot = tf.cast(tf.add(tf.mul(tf.gather(start, ids), blockRows), rank), 'int32'); // [T·k]
    // Inverse map by scatter (rows are unique); float updates, as in capacity.ts; +1 marks a filled row.
    const filled = tf.cast(tf.scatterND(tf.expandDims(slot, 1), tf.range(1, a + 1, 1, 'float32'), [rows]), 'int32');
    const empty = tf.equal(filled, 0);
    const assignment = tf.where(empty, tf.fill([rows], a, 'int32'), tf.sub(filled, int(1))); // [2E·b]
    const token = tf.where(empty, tf.fill([rows], t, 'int32'), tf.floorDiv(assignment, int(k))); // [2E·b]
    const blockIds = tf.expandDims(tf.range(0, blocks, 1, 'float32'), 1); // [2E, 1]
    // A selection, not a cast, turns the comparison into numbers (webgpu's cast only relabels: see expertOneHot).
    const before = tf.sum(tf.where(tf.lessEqual(tf.add(start, perExpert), blockIds), 1, 0), 1); // [2E]
    const expert = tf.cast(tf.minimum(before, experts - 1), 'int32'); // [2E]
    return tf.concat([slot, assignment, token, expert]);
  });
  const [slotOfAssignment, assignmentOfSlot, tokenOfSlot, expertOfBlock] = tf.split(packed, [a, rows, rows, blocks]);
  return { slotOfAssignment, assignmentOfSlot, tokenOfSlot, expertOfBlock } as BlockMaps;
}

/**
 * The bank's two layers on blocks of rows, block i on expert `expertOfBlock[i]`'s weights, with the bank's own
 * activation and dropout between them ({@link ExpertBank.hidden}).
 * @param x `[B, b, dIn]`.
 * @param expertOfBlock `[B]` int32.
 * @returns `[B, b, dOut]`.
 */
function applyBlocks(bank: ExpertBank, x: tf.Tensor3D, expertOfBlock: tf.Tensor1D): tf.Tensor3D {
  const blocks = x.shape[0];
  const e = bank.experts;
  return tf.tidy(() => {
    // Each block's weights by a one-hot product (its gradient is a matMul, fine on every backend) [B, E].
    const pick = tf.where(tf.equal(tf.expandDims(expertOfBlock, 1), tf.range(0, e, 1, 'int32')), 1, 0); // [B, E]
    const gather = (w: tf.Tensor, shape: number[]) => tf.reshape(tf.matMul(pick, tf.reshape(w, [e, -1])), shape);
    const w1 = gather(bank.w1, [blocks, bank.dIn, bank.dHidden]) as tf.Tensor3D;
    const b1 = gather(bank.b1, [blocks, 1, bank.dHidden]);
    const w2 = gather(bank.w2, [blocks, bank.dHidden, bank.dOut]) as tf.Tensor3D;
    const b2 = gather(bank.b2, [blocks, 1, bank.dOut]);
    const pre = tf.add(tf.matMul(x, w1), b1); // [B, b, dHidden]
    const h = bank.hidden(pre); // [B, b, dHidden]
    return tf.add(tf.matMul(h, w2), b2) as tf.Tensor3D; // [B, b, dOut]
  });
}

/**
 * The block-padded dropless path for a plan routed on the device (no host ids).
 * @param x `[T, d]`.
 * @param plan a dropless token-choice plan; `weights · kept` are the combine weights.
 * @returns `[T, dOut]`.
 */
export function blockDroplessMoE(x: tf.Tensor2D, plan: TokenChoicePlan, bank: ExpertBank): tf.Tensor2D {
  const [t, k] = plan.indices.shape;
  const blockRows = Math.ceil((t * k) / bank.experts);
  const blocks = 2 * bank.experts;
  return tf.tidy(() => {
    const maps = blockMaps(plan.indices, bank.experts, blockRows);
    const rows = routeRows(x, maps.tokenOfSlot, maps.slotOfAssignment, k, true); // [2E·b, d], grouped in blocks
    const out = applyBlocks(bank, tf.reshape(rows, [blocks, blockRows, x.shape[1]]), maps.expertOfBlock);
    const flat = tf.reshape(out, [blocks * blockRows, bank.dOut]) as tf.Tensor2D; // [2E·b, dOut]
    const perAssignment = routeRows(flat, maps.slotOfAssignment, maps.assignmentOfSlot, 1, true); // [T·k, dOut]
    const weights = tf.mul(plan.weights, tf.cast(plan.kept, 'float32')) as tf.Tensor2D; // [T, k]
    return combineAssignments(perAssignment, weights, t, k);
  });
}
