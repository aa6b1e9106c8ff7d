/**
 * Flags and set-up shared by the commands that train.
 * @module
 */
import { describeBackend, initBackend, type BackendChoice, type BackendReport } from '@momentum-smoe/core';
import type { FlagSpecs } from '../args.js';

/** `--backend`, shared by every command that computes. */
export const BACKEND_FLAG: FlagSpecs = {
  backend: { type: 'string', help: 'tfjs backend', choices: ['auto', 'tensorflow', 'wasm', 'cpu'], default: 'auto' },
};

/** Initialises the requested backend and prints which one runs (to stderr, so --json output stays clean). */
export async function startBackend(choice: string): Promise<BackendReport> {
  const report = await initBackend({ backend: choice as BackendChoice, resolveFrom: import.meta.url });
  console.error(describeBackend(report));
  return report;
}

/** An AbortSignal that fires on the first Ctrl-C (the run checkpoints and stops); a second Ctrl-C exits at once. */
export function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  process.once('SIGINT', () => {
    console.error('\ninterrupt: finishing this step and writing a checkpoint (Ctrl-C again to quit now)');
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  return controller.signal;
}
