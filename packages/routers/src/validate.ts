/**
 * Configuration checks shared by the routers; each throws a {@link ConfigError} naming the field and the fix.
 * @module
 */
import { ConfigError } from '@momentum-smoe/core';

/** `value` must be a positive integer. */
export function positiveInt(router: string, field: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`${router}: ${field} must be a positive integer, got ${value}`);
  }
}

/** `topK` must be an integer in [1, experts]. */
export function topKInRange(router: string, topK: number, experts: number): void {
  positiveInt(router, 'topK', topK);
  if (topK > experts) throw new ConfigError(`${router}: topK (${topK}) must be at most experts (${experts})`);
}

/** A capacity factor must be a finite number > 0. */
export function positiveFactor(router: string, field: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new ConfigError(`${router}: ${field} must be a finite number > 0, got ${value}`);
  }
}

/** A loss weight or noise scale must be a finite number ≥ 0. */
export function nonNegative(router: string, field: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new ConfigError(`${router}: ${field} must be a finite number >= 0, got ${value}`);
  }
}

/** Every weight in a loss-weight record must be ≥ 0. */
export function lossWeightsValid(router: string, weights: Record<string, number | undefined>): void {
  for (const [name, w] of Object.entries(weights)) if (w !== undefined) nonNegative(router, `lossWeights.${name}`, w);
}
