/**
 * The shape of an `msmoe` sub-command, kept apart from the registry so that commands and registry do not import
 * each other.
 * @module
 */

/**
 * A sub-command: a one-line summary for `msmoe --help`, and its runner (throws UsageError for bad input). The runner
 * may return an exit status (e.g. 130 after a Ctrl-C that stopped a run cleanly); nothing means 0.
 */
export interface Command {
  summary: string;
  run(argv: string[]): Promise<number | void>;
}
