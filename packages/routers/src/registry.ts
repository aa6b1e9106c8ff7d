/**
 * Routers by name, so configs and command lines can pick one; users add their own with {@link registerRouter}.
 * @module
 */
import { ConfigError } from '@momentum-smoe/core';
import type { Router } from './router.js';
import { TopKRouter, type TopKRouterConfig } from './top-k-router.js';
import { SwitchRouter, type SwitchRouterConfig } from './switch-router.js';
import { NoisyTopKRouter, type NoisyTopKRouterConfig } from './noisy-top-k-router.js';
import { ExpertChoiceRouter, type ExpertChoiceRouterConfig } from './expert-choice-router.js';
import { SoftMoERouter, type SoftMoERouterConfig } from './soft-moe-router.js';

/** Builds a router from its config. */
export type RouterFactory<C> = (config: C) => Router;

/** The built-in routers' names and configs. */
export interface BuiltinRouterConfigs {
  /** {@link TopKRouter}. */
  'top-k': TopKRouterConfig;
  /** {@link SwitchRouter}. */
  switch: SwitchRouterConfig;
  /** {@link NoisyTopKRouter}. */
  'noisy-top-k': NoisyTopKRouterConfig;
  /** {@link ExpertChoiceRouter}. */
  'expert-choice': ExpertChoiceRouterConfig;
  /** {@link SoftMoERouter}. */
  'soft-moe': SoftMoERouterConfig;
}

const factories = new Map<string, RouterFactory<never>>([
  ['top-k', (c: TopKRouterConfig) => new TopKRouter(c)],
  ['switch', (c: SwitchRouterConfig) => new SwitchRouter(c)],
  ['noisy-top-k', (c: NoisyTopKRouterConfig) => new NoisyTopKRouter(c)],
  ['expert-choice', (c: ExpertChoiceRouterConfig) => new ExpertChoiceRouter(c)],
  ['soft-moe', (c: SoftMoERouterConfig) => new SoftMoERouter(c)],
]);

/**
 * Adds a router under `name`. A name can be registered once; re-registering throws a `ConfigError`.
 * @example
 * ```ts
 * registerRouter('my-top-1', (c: { dModel: number; experts: number }) => new TopKRouter({ ...c, topK: 1 }));
 * const router = createRouter('my-top-1', { dModel: 8, experts: 4 });
 * ```
 */
export function registerRouter<C>(name: string, factory: RouterFactory<C>): void {
  if (name.length === 0) throw new ConfigError('registerRouter: the name must be non-empty');
  if (factories.has(name)) throw new ConfigError(`registerRouter: '${name}' is already registered: pick another name`);
  factories.set(name, factory);
}

/**
 * Builds the router registered under `name`; an unknown name throws a `ConfigError` listing the known ones.
 * @example
 * ```ts
 * const router = createRouter('top-k', { dModel: 352, experts: 16, topK: 2, rng: new Rng(0) });
 * ```
 */
export function createRouter<N extends keyof BuiltinRouterConfigs>(name: N, config: BuiltinRouterConfigs[N]): Router;
export function createRouter(name: string, config: unknown): Router;
export function createRouter(name: string, config: unknown): Router {
  const factory = factories.get(name);
  if (factory === undefined) {
    throw new ConfigError(`unknown router '${name}': use one of ${routerNames().join(', ')} (or registerRouter it)`);
  }
  return (factory as RouterFactory<unknown>)(config);
}

/** Names of every registered router, built-ins first, in registration order. */
export function routerNames(): string[] {
  return [...factories.keys()];
}
