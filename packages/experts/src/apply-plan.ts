/**
 * Runs an {@link ExpertBank} on the rows a {@link RoutingPlan} sends it, choosing the dispatch path from the plan.
 * @module
 */
import type * as tf from '@tensorflow/tfjs';
import { ConfigError, ShapeError } from '@momentum-smoe/core';
import type { RoutingPlan } from '@momentum-smoe/routers';
import type { ExpertBank } from './expert-bank.js';
import { droplessMoE } from './dropless.js';
import { blockDroplessMoE } from './block-dropless.js';
import { capacityMoE } from './capacity.js';
import { expertChoiceMoE } from './expert-choice.js';
import { softMoE } from './soft.js';

/** Throws a {@link @momentum-smoe/core!ShapeError} unless `x` is `[T, bank.dIn]`. */
export function assertTokens(bank: ExpertBank, x: tf.Tensor): void {
  if (x.rank !== 2 || x.shape[1] !== bank.dIn) {
    const what =
      `MoE input x (tokens × dIn; the expert bank was built with dIn=${bank.dIn}: ` +
      `reshape x to [T, ${bank.dIn}] or build the bank with dIn=${x.shape.at(-1)})`;
    throw new ShapeError(what, [null, bank.dIn], x.shape);
  }
}

/**
 * Dispatch, expert compute and combine for any plan kind:
 * token choice without capacity → dropless: grouped per-expert matMuls sized from the plan's host copy of the ids,
 *   or, for a plan routed on the device (`hostIndices: null`), assignments sorted by expert on the device into at
 *   most 2E blocks of ⌈T·k/E⌉ rows, one batched matMul per layer on per-block weights (no read back);
 * token choice with capacity → `[E, C, d]` buffers and one batched matMul (no host sync);
 * expert choice → gather the chosen tokens, batched matMul, scatter-add by weight;
 * soft → slots = dispatchᵀ·x, batched matMul, y = combine·outputs.
 * Never computes an expert on rows not routed to it (block padding rows are zeros whose outputs are dropped).
 * @param x `[T, bank.dIn]`.
 * @returns `[T, bank.dOut]`.
 * @throws {@link @momentum-smoe/core!ShapeError} if `x` is not `[T, dIn]` or the plan's tensors do not match `T`;
 *   {@link ConfigError} if the plan's expert count differs from the bank's.
 * @example
 * ```ts
 * const plan = router.route(x);            // x: [T, 256]
 * const y = applyPlan(bank, x, plan);      // y: [T, 256]
 * ```
 */
export function applyPlan(bank: ExpertBank, x: tf.Tensor2D, plan: RoutingPlan): tf.Tensor2D {
  assertTokens(bank, x);
  checkPlan(bank, plan, x.shape[0]);
  return dispatch(bank, x, plan);
}

/** The plan must be for `bank` and for `t` tokens; throws naming the mismatch. */
function checkPlan(bank: ExpertBank, plan: RoutingPlan, t: number): void {
  if (plan.experts !== bank.experts) {
    throw new ConfigError(
      `routing plan has ${plan.experts} experts but the expert bank has ${bank.experts}: ` +
        'build the router and the ExpertBank with the same number of experts',
    );
  }
  switch (plan.kind) {
    case 'token-choice':
      if (plan.indices.shape[0] !== t) {
        throw new ShapeError('token-choice plan indices (one row per token of x)', [t, null], plan.indices.shape);
      }
      if (plan.hostIndices !== null && plan.hostIndices.length !== plan.indices.size) {
        throw new ShapeError(
          'token-choice plan hostIndices (the host copy of indices)',
          [plan.indices.size],
          [plan.hostIndices.length],
        );
      }
      if (plan.capacity !== null && !(Number.isInteger(plan.capacity) && plan.capacity >= 1)) {
        throw new ConfigError(
          `token-choice plan capacity must be a positive integer or null (dropless), got ${plan.capacity}`,
        );
      }
      return;
    case 'expert-choice':
      if (plan.tokenIndices.shape[0] !== bank.experts) {
        throw new ShapeError(
          'expert-choice plan tokenIndices (one row per expert)',
          [bank.experts, null],
          plan.tokenIndices.shape,
        );
      }
      return;
    case 'soft': {
      const slots = bank.experts * plan.slotsPerExpert;
      if (plan.dispatch.shape[0] !== t || plan.dispatch.shape[1] !== slots) {
        throw new ShapeError('soft plan dispatch (tokens × experts·slotsPerExpert)', [t, slots], plan.dispatch.shape);
      }
    }
  }
}

/**
 * {@link applyPlan} without the checks, for a plan its caller has just built from `x` with a router that matches
 * `bank` ({@link MoELayer} and {@link runMoE}: the router checked `x` where it entered).
 */
export function dispatch(bank: ExpertBank, x: tf.Tensor2D, plan: RoutingPlan): tf.Tensor2D {
  switch (plan.kind) {
    case 'token-choice':
      if (plan.capacity !== null) return capacityMoE(x, plan, bank, plan.capacity);
      return plan.hostIndices === null ? blockDroplessMoE(x, plan, bank) : droplessMoE(x, plan, bank);
    case 'expert-choice':
      return expertChoiceMoE(x, plan, bank);
    case 'soft':
      return softMoE(x, plan, bank);
  }
}
