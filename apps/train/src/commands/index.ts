/**
 * The command registry of `msmoe`.
 * @module
 */
import { defaultCommand } from './default.js';

/** A sub-command: a one-line summary for `msmoe --help`, and its runner (throws UsageError for bad input). */
export interface Command {
  summary: string;
  run(argv: string[]): Promise<void>;
}

/** Every command by name; `default` runs when msmoe is called without one. */
export const COMMANDS: Record<string, Command> = {
  default: defaultCommand,
};
