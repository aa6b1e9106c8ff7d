/**
 * `@momentum-smoe/routers`: who goes where.
 * @packageDocumentation
 */
export type { RoutingPlan, TokenChoicePlan, ExpertChoicePlan, SoftPlan, RoutingMetrics } from './plan.js';
export { Router, type RouteOptions } from './router.js';
export { TopKRouter, type TopKRouterConfig } from './top-k-router.js';
export { type RoutingMode, resolveRouting } from './routing-mode.js';
export { expertOneHot } from './device-selection.js';
export { SwitchRouter, type SwitchRouterConfig } from './switch-router.js';
export { NoisyTopKRouter, type NoisyTopKRouterConfig } from './noisy-top-k-router.js';
export { ExpertChoiceRouter, type ExpertChoiceRouterConfig } from './expert-choice-router.js';
export { SoftMoERouter, type SoftMoERouterConfig } from './soft-moe-router.js';
export {
  registerRouter,
  createRouter,
  routerNames,
  type RouterFactory,
  type BuiltinRouterConfigs,
} from './registry.js';
export { switchBalanceLoss, smoeBalanceLoss, type BalanceLossOptions } from './losses/balance.js';
export { importanceLoss, loadLoss, type LoadLossInputs } from './losses/vmoe.js';
export { routerZLoss } from './losses/z-loss.js';
export { expertCapacity } from './capacity.js';
export { disposePlan } from './plan-lifetime.js';
export { readMetrics, type MetricValues } from './metrics.js';
