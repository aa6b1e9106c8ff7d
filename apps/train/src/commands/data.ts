import { wikitextStats, WIKITEXT_SPLITS } from '@momentum-smoe/datasets';
import { UsageError, helpText, parseFlags, type FlagSpecs } from '../args.js';
import { markdownTable } from '../report/table.js';
import { ProgressBar } from '../report/progress.js';
import type { Command } from './command.js';

const FLAGS: FlagSpecs = {
  dir: { type: 'string', help: 'the corpus folder' },
  json: { type: 'boolean', help: 'print JSON instead of a table' },
};

/** `msmoe data wikitext`: counts a WikiText-format corpus (and builds its token cache). */
export const dataCommand: Command = {
  summary: 'inspect a data set: `msmoe data wikitext --dir DIR [--json]`',
  async run(argv) {
    const [kind, ...rest] = argv;
    if (kind === '--help' || kind === undefined)
      return console.log(helpText('usage: msmoe data wikitext --dir DIR [--json]', this.summary, FLAGS));
    if (kind !== 'wikitext') throw new UsageError(`msmoe data: unknown data set '${kind}' (available: wikitext)`);
    const flags = parseFlags('data wikitext', rest, FLAGS);
    if (!flags) return console.log(helpText('usage: msmoe data wikitext --dir DIR [--json]', this.summary, FLAGS));
    if (flags.dir === undefined) throw new UsageError('msmoe data wikitext: --dir DIR is required');
    const bar = flags.json ? null : new ProgressBar('reading', 100, process.stderr, 2000);
    let stats: Awaited<ReturnType<typeof wikitextStats>>;
    try {
      stats = await wikitextStats(String(flags.dir), {
        ...(bar
          ? {
              onProgress: (done: number, total: number, phase: string) =>
                bar.update(Math.round((100 * done) / Math.max(1, total)), { phase }),
            }
          : {}),
        onWarning: (message) => {
          bar?.finish(); // a warning (e.g. a cache that cannot be written) gets a line of its own
          console.warn(`warning: ${message}`);
        },
      });
    } finally {
      bar?.finish(); // also before an error message
    }
    if (flags.json) return console.log(JSON.stringify(stats));
    const rows = WIKITEXT_SPLITS.map((s) => [
      s,
      stats.splits[s].lines.toLocaleString('en-US'),
      stats.splits[s].tokens.toLocaleString('en-US'),
    ]);
    console.log(
      `vocabulary: ${stats.vocab.toLocaleString('en-US')} (with <eos>)\n` +
        markdownTable(['split', 'lines', 'tokens (with <eos>)'], rows),
    );
  },
};
