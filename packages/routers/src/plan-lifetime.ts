/**
 * Plan lifetime: build a plan inside `tf.tidy` (keeping only its tensors) and free it when done.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import type { RoutingPlan } from './plan.js';

/** Runs `build` in `tf.tidy`, keeping exactly the tensors of the returned plan. */
export function tidyPlan<P extends RoutingPlan>(build: () => P): P {
  let plan: P | undefined;
  tf.tidy(() => {
    plan = build();
    return tensorsOf(plan);
  });
  return plan!;
}

/**
 * The plan as a tensor container for `tf.tidy` / `tf.dispose`, without its host arrays (which they would walk
 * element by element). A plan is a tensor container, but TS interfaces lack the index signature tfjs asks for.
 */
function tensorsOf(plan: RoutingPlan): tf.TensorContainer {
  return (plan.kind === 'token-choice' ? { ...plan, hostIndices: null } : plan) as unknown as tf.TensorContainer;
}

/**
 * Frees every tensor of a plan (indices, weights, losses, metrics). Use it when a plan is consumed outside `tf.tidy`.
 * @example
 * ```ts
 * const plan = router.route(x);
 * const stats = await readMetrics(plan);
 * disposePlan(plan);
 * ```
 */
export function disposePlan(plan: RoutingPlan): void {
  tf.dispose(tensorsOf(plan));
}
