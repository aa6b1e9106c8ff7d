/**
 * The command registry of `msmoe`.
 * @module
 */
import { benchCommand } from './bench.js';
import { compareCommand } from './compare.js';
import { dataCommand } from './data.js';
import { defaultCommand } from './default.js';
import { evalCommand } from './eval.js';
import { generateCommand } from './generate.js';
import { trainCommand } from './train.js';
import { webCommand } from './web.js';

/** A sub-command: a one-line summary for `msmoe --help`, and its runner (throws UsageError for bad input). */
export interface Command {
  summary: string;
  run(argv: string[]): Promise<void>;
}

/** Every command by name; `default` runs when msmoe is called without one. */
export const COMMANDS: Record<string, Command> = {
  default: defaultCommand,
  train: trainCommand,
  eval: evalCommand,
  compare: compareCommand,
  bench: benchCommand,
  data: dataCommand,
  generate: generateCommand,
  web: webCommand,
};
