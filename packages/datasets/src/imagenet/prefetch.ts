/**
 * A bounded, ordered prefetch queue: runs an async task over items with at most `concurrency` tasks in
 * flight and at most `capacity` results started but not yet taken, and yields results in input order.
 * Work starts eagerly (as slots free up, not when the consumer asks), so decoding overlaps training.
 * @module
 */

/** A task's outcome: its value, or the error it threw (tasks never reject the queue). */
export type Settled<R> =
  | {
      /** The task resolved. */
      ok: true;
      /** Its value. */
      value: R;
    }
  | {
      /** The task threw. */
      ok: false;
      /** What it threw. */
      error: unknown;
    };

/** Limits of {@link prefetchOrdered}. */
export interface PrefetchLimits {
  /** Tasks running at once (≥ 1). */
  concurrency: number;
  /** Tasks started but not yet taken by the consumer, running or done (≥ concurrency). */
  capacity: number;
}

/**
 * Yields `task(item)` for each item, in order, as settled results.
 * @example
 * ```ts
 * for await (const r of prefetchOrdered(files, (f) => decodeEval(f), { concurrency: 8, capacity: 64 })) {
 *   if (r.ok) use(r.value);
 * }
 * ```
 */
export async function* prefetchOrdered<T, R>(
  items: Iterable<T>,
  task: (item: T) => Promise<R>,
  limits: PrefetchLimits,
): AsyncGenerator<Settled<R>> {
  const concurrency = Math.max(1, Math.floor(limits.concurrency));
  const capacity = Math.max(concurrency, Math.floor(limits.capacity));
  const source = items[Symbol.iterator]();
  const queue: Promise<Settled<R>>[] = [];
  let running = 0;
  let exhausted = false;
  let closed = false;
  const pump = (): void => {
    while (!exhausted && !closed && running < concurrency && queue.length < capacity) {
      const next = source.next();
      if (next.done) {
        exhausted = true;
        return;
      }
      running++;
      const settled = Promise.resolve()
        .then(() => task(next.value))
        .then(
          (value): Settled<R> => ({ ok: true, value }),
          (error: unknown): Settled<R> => ({ ok: false, error }),
        )
        .finally(() => {
          running--;
          pump();
        });
      queue.push(settled);
    }
  };
  try {
    pump();
    for (let head = queue.shift(); head !== undefined; head = queue.shift()) {
      const result = await head;
      pump();
      yield result;
    }
  } finally {
    closed = true;
  }
}
