/**
 * The shape of an `msmoe` sub-command, kept apart from the registry so that commands and registry do not import
 * each other.
 * @module
 */

/** A sub-command: a one-line summary for `msmoe --help`, and its runner (throws UsageError for bad input). */
export interface Command {
  summary: string;
  run(argv: string[]): Promise<void>;
}
