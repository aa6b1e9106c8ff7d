/**
 * A diverged run stops: a non-finite training loss or evaluation (NaN, ±Infinity, or a perplexity past float range)
 * ends it with a {@link DivergedError} instead of training on and saving garbage as the "best" checkpoint.
 * @module
 */
import { MomentumSmoeError } from '@momentum-smoe/core';

/** The run diverged; the message names the step, the readings and the fix. Exit status 1. */
export class DivergedError extends MomentumSmoeError {
  override name = 'DivergedError';
}

/**
 * A {@link DivergedError} when a number among `readings` (name → value; non-numbers are skipped) is not finite,
 * else `undefined`. `what` names the readings (`training loss`, `evaluation`).
 */
export function divergence(
  step: number,
  what: string,
  readings: Record<string, unknown>,
  lr: number,
): DivergedError | undefined {
  const bad = Object.entries(readings).filter(([, v]) => typeof v === 'number' && !Number.isFinite(v));
  if (bad.length === 0) return undefined;
  return new DivergedError(
    `training diverged at step ${step}: ${what} ${bad.map(([k, v]) => `${k} ${String(v)}`).join(', ')} ` +
      `at learning rate ${lr}; ` +
      'no checkpoint was written from it. Start a new run with a lower --lr (or a longer --warmup)',
  );
}
