import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, Rng, initBackend } from '@momentum-smoe/core';
import {
  ExpertChoiceRouter,
  NoisyTopKRouter,
  SoftMoERouter,
  SwitchRouter,
  TopKRouter,
  createRouter,
  disposePlan,
  registerRouter,
  routerNames,
} from '@momentum-smoe/routers';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('router registry', () => {
  it('has the built-ins under their names', () => {
    expect(routerNames().slice(0, 5)).toEqual(['top-k', 'switch', 'noisy-top-k', 'expert-choice', 'soft-moe']);
    const base = { dModel: 4, experts: 3, rng: new Rng(1) };
    const built = [
      createRouter('top-k', { ...base, topK: 2 }),
      createRouter('switch', base),
      createRouter('noisy-top-k', base),
      createRouter('expert-choice', base),
      createRouter('soft-moe', base),
    ];
    const kinds = [TopKRouter, SwitchRouter, NoisyTopKRouter, ExpertChoiceRouter, SoftMoERouter];
    built.forEach((r, i) => expect(r).toBeInstanceOf(kinds[i]!));
    built.forEach((r) => r.dispose());
  });

  it('accepts user routers and refuses a taken name', () => {
    registerRouter('top-1', (c: { dModel: number; experts: number }) => new TopKRouter({ ...c, topK: 1 }));
    expect(routerNames()).toContain('top-1');
    const router = createRouter('top-1', { dModel: 4, experts: 3 });
    const x = tf.ones([2, 4]) as tf.Tensor2D;
    const plan = router.route(x);
    expect(plan.kind === 'token-choice' && plan.indices.shape).toEqual([2, 1]);
    disposePlan(plan);
    x.dispose();
    router.dispose();
    expect(() => registerRouter('top-k', (c: never) => c)).toThrow(ConfigError);
  });

  it('names the known routers when the name is unknown', () => {
    expect(() => createRouter('nope', {})).toThrow(ConfigError);
    expect(() => createRouter('nope', {})).toThrow(/top-k, switch, noisy-top-k, expert-choice, soft-moe/);
  });
});
