/**
 * The `msmoe` command line's dispatcher. Every user error is one line naming the fix; exit status 2 for usage errors,
 * 1 for failures.
 * @module
 */
import { MomentumSmoeError } from '@momentum-smoe/core';
import { UsageError, closest } from './args.js';
import type { Command } from './commands/command.js';
import { COMMANDS } from './commands/index.js';
import { INTERRUPTED_STATUS, InterruptedError } from './training/interrupt.js';
import { fileSystemProblem } from './training/run-folder.js';

const USAGE = `usage: msmoe [command] [--flags]

With no command, msmoe runs the default comparison: small SMoE, MomentumSMoE and AdamSMoE language models
trained on the embedded State of the Union corpus, evaluated clean and under word-swap attack.

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join('\n')}

Run 'msmoe <command> --help' for a command's flags.`;

/** Runs the CLI on `argv` (without `node` and the script) and returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  let command: Command;
  let args: string[];
  if (first === undefined || first.startsWith('--')) {
    if (first === '--help' || first === '-h') {
      console.log(USAGE);
      return 0;
    }
    command = COMMANDS.default!;
    args = argv;
  } else if (first in COMMANDS) {
    command = COMMANDS[first]!;
    args = rest;
  } else {
    const guess = closest(first, Object.keys(COMMANDS));
    console.error(
      `msmoe: unknown command '${first}'${guess ? `; did you mean 'msmoe ${guess}'?` : ''} (see msmoe --help)`,
    );
    return 2;
  }
  try {
    return (await command.run(args)) ?? 0;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(e.message);
      return 2;
    }
    if (e instanceof InterruptedError) {
      console.error(`msmoe: ${e.message}`);
      return INTERRUPTED_STATUS;
    }
    const fileSystem = fileSystemProblem(e);
    if (fileSystem !== undefined) {
      console.error(`msmoe: ${fileSystem}`);
      return 1;
    }
    if (e instanceof MomentumSmoeError || (e as Error).name === 'DatasetError') {
      console.error(`msmoe: ${(e as Error).message}`);
      return 1;
    }
    // Printed here rather than thrown: the wasm backend's process handlers would dump its whole source.
    console.error(`msmoe: internal error: ${(e as Error).stack ?? String(e)}`);
    return 1;
  }
}
