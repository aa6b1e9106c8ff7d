/**
 * The command registry of `msmoe`.
 * @module
 */
import { benchCommand } from './bench.js';
import type { Command } from './command.js';
import { compareCommand } from './compare.js';
import { dataCommand } from './data.js';
import { defaultCommand } from './default.js';
import { evalCommand } from './eval.js';
import { generateCommand } from './generate.js';
import { trainCommand } from './train.js';
import { webCommand } from './web.js';

export type { Command } from './command.js';

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
