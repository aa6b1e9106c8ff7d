/**
 * Prompt Ctrl-C. A signal handler is JavaScript and runs only when the event loop takes a turn; a training step on
 * the wasm and cpu backends awaits only promises that are already resolved (microtasks), so without help the handler
 * waited for the first real I/O, the next checkpoint write. The loop therefore yields once per step
 * ({@link yieldToEventLoop}). The first Ctrl-C asks the run to stop after the current step and checkpoint; the
 * handler then removes itself, so a second Ctrl-C gets the system's default action and ends the process at once
 * (atomic writes leave the last complete checkpoint in place).
 * @module
 */
import { MomentumSmoeError } from '@momentum-smoe/core';

/** Exit status of a run stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const INTERRUPTED_STATUS = 130;

/** A run stopped on request (Ctrl-C) after writing its checkpoint; the message says how to continue. */
export class InterruptedError extends MomentumSmoeError {
  override name = 'InterruptedError';
}

/** Lets pending signal handlers and timers run (one macrotask turn, well under a millisecond). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

let pending: AbortController | null = null;

/**
 * An AbortSignal that fires on the first Ctrl-C (the run finishes its step, checkpoints and stops). The handler is
 * removed once it has run, so a second Ctrl-C ends the process immediately with the default action. Calls before
 * that Ctrl-C share one handler (a process that runs several commands, like the tests, does not pile them up).
 */
export function interruptSignal(): AbortSignal {
  if (pending && !pending.signal.aborted) return pending.signal;
  const controller = (pending = new AbortController());
  process.once('SIGINT', () => {
    console.error('\ninterrupt: finishing this step and writing a checkpoint (Ctrl-C again to quit now)');
    controller.abort();
  });
  return controller.signal;
}
