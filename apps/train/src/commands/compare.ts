import { join } from 'node:path';
import { VISION_VARIANT_PRESETS } from '../vision/compare-vision.js';
import { compareVisionCommand } from './vision.js';
import { UsageError, helpText, intFlag, numberFlag, parseFlags, type FlagSpecs } from '../args.js';
import { loadLmData } from '../data/lm-data.js';
import { pplTable, writeCompareReport } from '../report/compare-report.js';
import { compareVariants, type VariantResult } from '../training/compare.js';
import {
  WORKERS_FLAG,
  checkBatchShares,
  isLeader,
  parallelPlan,
  checkParallelBackend,
  pinGpu,
  runParallelJob,
  shareIds,
} from '../training/dp-launch.js';
import { lmPreset } from '@momentum-smoe/models';
import { clearRunFolder } from '../training/run-folder.js';
import {
  BACKEND_FLAG,
  checkCacheDir,
  checkCompareData,
  checkOutFolder,
  interruptSignal,
  startBackend,
} from './common.js';
import type { Command } from './command.js';

/** Short variant names → the preset family they select (`<family>-<size>`). */
export const VARIANT_PRESETS: Record<string, string> = {
  smoe: 'smoe',
  momentum: 'momentum-smoe',
  adam: 'adam-smoe',
  robust: 'robust-smoe',
};

const FLAGS: FlagSpecs = {
  variants: {
    type: 'string',
    help:
      `comma-separated, of ${Object.keys(VARIANT_PRESETS).join(', ')} (language) ` +
      `or ${Object.keys(VISION_VARIANT_PRESETS).join(', ')} (vision)`,
    default: 'smoe,momentum,adam',
  },
  seeds: { type: 'string', help: 'seeds per variant (1..N)', default: '3' },
  size: {
    type: 'string',
    help: 'preset size (vision: mnist, s32, b32)',
    choices: ['tiny', 'small', 'medium', 'large', 'mnist', 's32', 'b32'],
    default: 'tiny',
  },
  data: {
    type: 'string',
    help:
      'WikiText-format folder, or an ImageNet folder for vision variants ' +
      '(default: the embedded SOTU corpus / MNIST)',
  },
  config: {
    type: 'string',
    help: 'vision: JSON of model fields laid over every preset (e.g. a smaller model for a quick run)',
  },
  steps: { type: 'string', help: 'training steps per run (default: 300; vision: the recipe’s)' },
  batch: { type: 'string', help: 'parallel streams (default: 16; vision: images per step, the recipe’s)' },
  lr: { type: 'string', help: 'peak learning rate (default: 0.002; vision: the recipe’s)' },
  warmup: { type: 'string', help: 'warm-up steps (default: 60; vision: the recipe’s)' },
  'max-vocab': { type: 'string', help: 'vocabulary cap', default: '8192' },
  attack: { type: 'string', help: 'word-swap rate for the attacked columns', default: '0.015' },
  out: { type: 'string', help: 'output folder', default: 'runs/compare' },
  resume: { type: 'boolean', help: 'continue runs interrupted in --out' },
  overwrite: { type: 'boolean', help: 'replace an earlier comparison in --out' },
  ...BACKEND_FLAG,
  ...WORKERS_FLAG,
};

/** `msmoe compare`: several variants × seeds on the same data; a table of clean and attacked PPL, mean ± std. */
export const compareCommand: Command = {
  summary: 'train variants (smoe, momentum, adam, robust) × seeds on the same data and tabulate PPL',
  async run(argv) {
    const flags = parseFlags('compare', argv, FLAGS);
    if (!flags)
      return console.log(
        helpText('usage: msmoe compare --variants smoe,momentum,adam[,robust] --seeds 3 [flags]', this.summary, FLAGS),
      );
    const variants = String(flags.variants)
      .split(',')
      .map((v) => v.trim());
    const vision = variants.every((v) => v in VISION_VARIANT_PRESETS);
    for (const v of variants) {
      if (!(v in (vision ? VISION_VARIANT_PRESETS : VARIANT_PRESETS))) {
        throw new UsageError(
          `msmoe compare: unknown variant '${v}' (language: ${Object.keys(VARIANT_PRESETS).join(', ')}; ` +
            `vision: ${Object.keys(VISION_VARIANT_PRESETS).join(', ')}; do not mix them)`,
        );
      }
    }
    const seeds = Array.from({ length: intFlag('compare', 'seeds', flags.seeds)! }, (_, i) => i + 1);
    const out = String(flags.out);
    const plan = parallelPlan('compare', flags.workers === undefined ? undefined : String(flags.workers));
    pinGpu(plan);
    checkParallelBackend('compare', plan, String(flags.backend));
    const leader = isLeader(plan);
    const overwrite = flags.overwrite === true;
    if (leader)
      checkOutFolder('compare', out, flags.resume === true, overwrite, `msmoe compare --resume ${argv.join(' ')}`);
    if (vision) {
      if (plan.mode !== 'single')
        throw new UsageError(
          'msmoe compare: --workers and MPI ranks train language comparisons only; ' +
            'for vision, use msmoe train per variant',
        );
      const size = flags.size === 'tiny' ? 'mnist' : String(flags.size);
      await startBackend(String(flags.backend));
      if (overwrite) clearRunFolder(out);
      const table = await compareVisionCommand(
        variants.map((v) => `${VISION_VARIANT_PRESETS[v]}-${size}`),
        seeds,
        flags,
        out,
      );
      return console.log(`\n${table}\n\nreport: ${join(out, 'report.md')}`);
    }
    const size = String(flags.size);
    if (size !== 'tiny' && variants.includes('robust'))
      throw new UsageError(`msmoe compare: the robust variant has only a tiny preset (our extension); use --size tiny`);
    const steps = intFlag('compare', 'steps', flags.steps) ?? 300;
    const batch = intFlag('compare', 'batch', flags.batch) ?? 16;
    const budget = {
      steps,
      batch,
      batchSplit: 1,
      lr: numberFlag('compare', 'lr', flags.lr) ?? 0.002,
      warmup: intFlag('compare', 'warmup', flags.warmup, { min: 0 }) ?? 60,
      evalEvery: Math.max(1, Math.ceil(steps / 5)),
      evalBatch: batch,
    };
    const attackRate = numberFlag('compare', 'attack', flags.attack)!;
    checkBatchShares('compare', plan, batch);
    const cache = checkCacheDir('compare');
    const backend = await startBackend(String(flags.backend));
    const data = await loadLmData({
      ...(flags.data !== undefined ? { dir: String(flags.data) } : {}),
      cacheDir: cache,
      maxVocab: intFlag('compare', 'max-vocab', flags['max-vocab'], { min: 2 })!,
      attackRate,
    });
    const presets = variants.map((v) => `${VARIANT_PRESETS[v]}-${size}`);
    checkCompareData('compare', data, budget, Math.max(...presets.map((p) => lmPreset(p).model.blockSize)));
    if (overwrite && leader) clearRunFolder(out);
    const options = { variants: presets, seeds, budget, outDir: out, resume: flags.resume === true };
    const signal = interruptSignal();
    let results: VariantResult[];
    if (plan.mode === 'single') results = await compareVariants({ ...options, data, signal });
    else {
      const shared = { ...data, clean: { ...data.clean, train: shareIds(data.clean.train) } };
      const done = await runParallelJob(
        plan,
        { kind: 'compare', backend: String(flags.backend), options, data: shared },
        signal,
      );
      if (done?.kind !== 'compare') return; // an MPI rank other than 0: rank 0 reports
      results = done.results;
    }
    const files = writeCompareReport(out, results, {
      backend: backend.backend,
      data: `${data.source}, vocabulary ${data.vocab}`,
      budget: `${steps} steps × ${batch} streams, lr ${budget.lr}, seeds ${seeds.join(', ')}`,
      attack: `word swap at rate ${attackRate}`,
    });
    console.log(`\n${pplTable(results)}\n\nreport: ${files.report}`);
  },
};
