/**
 * Learning-rate schedules of the two recipes.
 * @module
 */

/**
 * The official WikiText schedule: `LambdaLR(min(1, step / warmup))`, linear warm-up from 0 then constant. The
 * official code calls `scheduler.step()` before `optimizer.step()`, so update number `step` (1-based) uses
 * `min(1, step/warmup)`.
 */
export function warmupConstant(peak: number, warmup: number): (step: number) => number {
  return (step) => peak * (warmup > 0 ? Math.min(1, step / warmup) : 1);
}

/** V-MoE: linear warm-up to `peak` over `warmup` steps, then linear decay to `end` at `total` steps. */
export function warmupLinearDecay(peak: number, warmup: number, total: number, end = 1e-5): (step: number) => number {
  return (step) => {
    if (step < warmup) return (peak * step) / warmup;
    const frac = Math.min(1, (step - warmup) / Math.max(1, total - warmup));
    return peak + (end - peak) * frac;
  };
}
