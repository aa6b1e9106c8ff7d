import { CollectiveAbortedError } from './errors.js';
import { Control, cancelledCode } from './shared-group.js';

/** Loads of the generation word before a rank goes to sleep: covers ranks that arrive microseconds apart. */
const spinLoads = 2_000;
/** A sleeping rank wakes at least this often to re-check the abort flag and its deadline (ms). */
const wakeEveryMs = 1_000;

/**
 * A sense-reversing barrier over a shared control block. Waiting uses `Atomics.waitAsync`, so the worker's event
 * loop keeps running; an interval holds the loop open meanwhile (a pending `waitAsync` alone does not keep Node
 * alive). Wakes with {@link CollectiveAbortedError} when the group is aborted or the timeout passes.
 */
export class AtomicBarrier {
  private readonly control: Int32Array;

  constructor(
    control: SharedArrayBuffer,
    private readonly rank: number,
    private readonly size: number,
    private readonly timeoutMs: number,
  ) {
    this.control = new Int32Array(control);
  }

  /** Resolves when all `size` ranks have arrived. */
  async arrive(what: string): Promise<void> {
    this.throwIfAborted(what);
    const c = this.control;
    const generation = Atomics.load(c, Control.Generation);
    if (Atomics.add(c, Control.Arrived, 1) === this.size - 1) {
      Atomics.store(c, Control.Arrived, 0);
      Atomics.add(c, Control.Generation, 1);
      Atomics.notify(c, Control.Generation);
      return;
    }
    for (let i = 0; i < spinLoads; i++) if (Atomics.load(c, Control.Generation) !== generation) return;
    await this.sleepWhile(generation, what);
  }

  /** Throws when the group has been aborted. */
  throwIfAborted(what: string): void {
    const code = Atomics.load(this.control, Control.Abort);
    if (code === 0) return;
    const why = code === cancelledCode ? 'the run was cancelled' : `rank ${code - 1} failed`;
    throw new CollectiveAbortedError(`rank ${this.rank}: ${what} aborted: ${why}`);
  }

  private async sleepWhile(generation: number, what: string): Promise<void> {
    const c = this.control;
    const deadline = performance.now() + this.timeoutMs;
    const keepAlive = setInterval(() => {}, wakeEveryMs);
    try {
      while (Atomics.load(c, Control.Generation) === generation) {
        this.throwIfAborted(what);
        const left = deadline - performance.now();
        if (left <= 0) {
          throw new CollectiveAbortedError(
            `rank ${this.rank}: ${what} timed out after ${duration(this.timeoutMs)} waiting for the ` +
              'other ranks (one of them is stuck, or much slower than this one)',
          );
        }
        const wait = Atomics.waitAsync(c, Control.Generation, generation, Math.min(left, wakeEveryMs));
        if (wait.async) await wait.value;
      }
      this.throwIfAborted(what);
    } finally {
      clearInterval(keepAlive);
    }
  }
}

function duration(ms: number): string {
  return ms < 10_000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}
