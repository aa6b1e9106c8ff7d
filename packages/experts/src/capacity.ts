/**
 * Capacity-based token-choice dispatch: kept assignments fill per-expert buffers `[E, C, d]`, all experts run as one
 * batched matMul, and outputs return by gathers. Every index is computed on the device (no host sync), so shapes are
 * static: `C` comes from the plan.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import type { TokenChoicePlan } from '@momentum-smoe/routers';
import type { ExpertBank } from './expert-bank.js';
import { routeRows } from './route-rows.js';
import { combineAssignments } from './combine.js';

/** Where each assignment sits in the buffers, and which assignment fills each buffer slot. */
export interface SlotMaps {
  /** `[T·k]` int32: `e·C + position`, or `E·C` for a dropped assignment. */
  slotOfAssignment: tf.Tensor1D;
  /** `[E·C]` int32: the assignment `t·k + j` in each slot, or `T·k` for an empty slot. */
  assignmentOfSlot: tf.Tensor1D;
  /** `[E·C]` int32: the token in each slot, or `T` for an empty slot. */
  tokenOfSlot: tf.Tensor1D;
}

/**
 * Buffer positions from a plan, on the device: kept assignments of expert e take positions 0, 1, … in assignment
 * order (an exclusive cumulative count); positions at or past `capacity` are treated as dropped.
 */
export function slotMaps(plan: TokenChoicePlan, capacity: number): SlotMaps {
  const [t, k] = plan.indices.shape;
  const e = plan.experts;
  const a = t * k;
  return tf.tidy(() => {
    const ids = tf.reshape(plan.indices, [a]) as tf.Tensor1D; // [T·k]
    const kept = tf.cast(tf.reshape(plan.kept, [a, 1]), 'float32'); // [T·k, 1]
    // A comparison, not tf.oneHot: that needs E ≥ 2, and wasm's OneHot writes int32 bits when asked for float32.
    const assigned = tf.cast(tf.equal(tf.expandDims(ids, 1), tf.range(0, e, 1, 'int32')), 'float32'); // [T·k, E]
    const hits = tf.mul(assigned, kept); // [T·k, E]
    const position = tf.sum(tf.mul(tf.cumsum(hits, 0, true), hits), 1); // [T·k]
    const valid = tf.logicalAnd(tf.greater(tf.reshape(kept, [a]), 0), tf.less(position, capacity));
    const slot = tf.add(tf.mul(ids, tf.scalar(capacity, 'int32')), tf.cast(position, 'int32'));
    const slotOfAssignment = tf.where(valid, slot, tf.fill([a], e * capacity, 'int32')) as tf.Tensor1D;
    // Inverse map by scatter (positions are unique, so no sums except in the discarded hole slot); +1 marks filled.
    const filled = tf.scatterND(tf.expandDims(slotOfAssignment, 1), tf.range(1, a + 1, 1, 'float32'), [
      e * capacity + 1,
    ]);
    const assignmentPlus1 = tf.cast(tf.slice(filled, 0, e * capacity), 'int32'); // [E·C]
    const empty = tf.equal(assignmentPlus1, 0);
    const assignment = tf.sub(assignmentPlus1, tf.scalar(1, 'int32')); // −1 where empty
    const assignmentOfSlot = tf.where(empty, tf.fill([e * capacity], a, 'int32'), assignment) as tf.Tensor1D;
    const tokenOfSlot = tf.where(
      empty,
      tf.fill([e * capacity], t, 'int32'),
      tf.floorDiv(assignment, tf.scalar(k, 'int32')),
    ) as tf.Tensor1D;
    return { slotOfAssignment, assignmentOfSlot, tokenOfSlot };
  });
}

/**
 * The capacity path: buffers `[E, C, d]`, one batched expert matMul, combine by the gate weights. Dropped (token,
 * slot) pairs contribute nothing, whatever their weight in the plan.
 * @param x `[T, d]`.
 * @returns `[T, dOut]`.
 */
export function capacityMoE(x: tf.Tensor2D, plan: TokenChoicePlan, bank: ExpertBank, capacity: number): tf.Tensor2D {
  const [t, k] = plan.indices.shape;
  return tf.tidy(() => {
    const maps = slotMaps(plan, capacity);
    const buffers = routeRows(x, maps.tokenOfSlot, maps.slotOfAssignment, k, true); // [E·C, d]
    const out = bank.applyBatched(tf.reshape(buffers, [bank.experts, capacity, x.shape[1]])); // [E, C, dOut]
    const flat = tf.reshape(out, [bank.experts * capacity, bank.dOut]) as tf.Tensor2D; // [E·C, dOut]
    const perAssignment = routeRows(flat, maps.slotOfAssignment, maps.assignmentOfSlot, 1, true); // [T·k, dOut]
    return combineAssignments(perAssignment, plan.weights, t, k);
  });
}
