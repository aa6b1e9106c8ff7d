/**
 * Plan lifetime: build a plan inside `tf.tidy` (keeping only its tensors) and free it when done.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import type { RoutingPlan } from './plan.js';

/** Runs `build` in `tf.tidy`, keeping exactly the tensors of the returned plan. */
export function tidyPlan<P extends RoutingPlan>(build: () => P): P {
  // A plan is a tensor container, but TS interfaces lack the index signature `tf.tidy` asks for.
  return tf.tidy(() => build() as unknown as tf.TensorContainer) as unknown as P;
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
  tf.dispose(plan as unknown as tf.TensorContainer);
}
