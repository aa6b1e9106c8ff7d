/**
 * `@momentum-smoe/routers`: who goes where.
 * @packageDocumentation
 */
export type { RoutingPlan, TokenChoicePlan, ExpertChoicePlan, SoftPlan, RoutingMetrics } from './plan.js';
export { Router, type RouteOptions } from './router.js';
