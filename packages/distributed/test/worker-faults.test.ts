import { describe, expect, it } from 'vitest';
import { runWorkers, WorkerFailedError } from '../src/index.js';
import type { FaultPayload } from './fixtures/worker-faults.js';

const entry = new URL('./fixtures/worker-faults.mjs', import.meta.url);

/** Runs 3 workers of which one misbehaves; returns the rejection and how long it took to come. */
async function failure(payload: FaultPayload, options: { timeoutMs?: number; signal?: AbortSignal } = {}) {
  const t0 = performance.now();
  const error = await runWorkers({ size: 3, entry, payload, ...options }).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  return { error, seconds: (performance.now() - t0) / 1000 };
}

// Every case would hang forever if a waiting rank were not woken: the bounds below are far above the time it takes
// (mostly worker start-up) and far below the 30-minute collective timeout.
describe('runWorkers when a worker fails', () => {
  it('a worker that throws rejects the run naming its rank and error, and wakes the ranks waiting for it', async () => {
    const { error, seconds } = await failure({ fault: 'throw', rank: 1 });
    expect(error).toBeInstanceOf(WorkerFailedError);
    expect((error as WorkerFailedError).rank).toBe(1);
    expect(error!.message).toBe('worker rank 1 of 3 failed: loss is NaN at step 1');
    expect(seconds).toBeLessThan(30);
  });

  it('a worker that exits early rejects the run with its exit code', async () => {
    const { error } = await failure({ fault: 'exit', rank: 2 });
    expect(error!.message).toBe('worker rank 2 of 3 exited with code 3 before sending its result');
  });

  it('a collective whose peers never come fails after the timeout, naming the waiting rank', async () => {
    // The timeout also bounds the first all-reduce, where the ranks meet after starting up: it must exceed their
    // start-up skew on a loaded machine (500 ms did not), and stay well below the late rank's 20 s.
    const { error, seconds } = await failure({ fault: 'late', rank: 2 }, { timeoutMs: 4000 });
    expect(error!.message).toMatch(/^worker rank [01] of 3 failed: rank [01]: allReduce timed out after 4000 ms/);
    expect(seconds).toBeLessThan(16); // the late rank sleeps 20 s: the run did not wait for it
  });

  it('arrays of different lengths on different ranks are an error, not garbage', async () => {
    const { error } = await failure({ fault: 'length', rank: 0 });
    expect(error!.message).toMatch(/allReduce of \d+ bytes, but rank \d passed \d+ bytes/);
  });

  it('aborting the signal cancels a run that would never end', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stopped by the user')), 3000);
    const { error, seconds } = await failure({ fault: 'hang', rank: 0 }, { signal: controller.signal });
    expect(error!.message).toBe('stopped by the user');
    expect(seconds).toBeLessThan(30);
  });
});
