/**
 * `@momentum-smoe/train`: the `msmoe` command, also usable programmatically.
 * @packageDocumentation
 */
export { main } from './main.js';
export { COMMANDS, type Command } from './commands/index.js';
export { UsageError, parseFlags, helpText, closest, intFlag, numberFlag, type FlagSpec, type FlagSpecs } from './args.js';
export { Adam, type AdamOptions } from './training/optimizer.js';
export { warmupConstant, warmupLinearDecay } from './training/schedule.js';
export { saveCheckpoint, loadCheckpoint, type Checkpoint } from './training/checkpoint.js';
export { linePlot, groupedBars, type Series } from './report/svg.js';
export { ProgressBar, formatDuration } from './report/progress.js';
export { meanStd, formatMeanStd, markdownTable } from './report/table.js';
