import { describeBackend, initBackend } from '@momentum-smoe/core';
import { helpText, parseFlags, type FlagSpecs } from '../args.js';
import type { Command } from './index.js';

const FLAGS: FlagSpecs = {
  backend: { type: 'string', help: 'tfjs backend', choices: ['auto', 'tensorflow', 'wasm', 'cpu'], default: 'auto' },
};

/** `msmoe` without a command: the default comparison on the embedded corpus. */
export const defaultCommand: Command = {
  summary: 'the default run: SMoE vs MomentumSMoE vs AdamSMoE on the embedded SOTU corpus',
  async run(argv) {
    const flags = parseFlags('default', argv, FLAGS);
    if (!flags) return console.log(helpText('usage: msmoe [--backend B]', this.summary, FLAGS));
    const report = await initBackend({ backend: flags.backend as 'auto', resolveFrom: import.meta.url });
    console.log(describeBackend(report));
    console.log('plan: train smoe-tiny, momentum-smoe-tiny and adam-smoe-tiny on the SOTU corpus, then compare clean and attacked PPL');
  },
};
