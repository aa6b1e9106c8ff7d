import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '@momentum-smoe/core';
import { UsageError, helpText, intFlag, numberFlag, parseFlags, type FlagSpecs } from '../args.js';
import { loadLmData } from '../data/lm-data.js';
import { resolveModel } from '../data/model-config.js';
import { writeVocab } from '../data/run-models.js';
import { trainLm, type LmRunConfig, type LmRunResult } from '../training/lm-trainer.js';
import { WORKERS_FLAG, checkBatchShares, isLeader, parallelPlan, pinGpu, runParallelJob, shareIds } from '../training/dp-launch.js';
import type { VisionRunConfig } from '../training/vision-trainer.js';
import { isVisionPreset, trainVisionCommand, visionRunFromFlags } from './vision.js';
import { BACKEND_FLAG, interruptSignal, startBackend } from './common.js';
import type { Command } from './index.js';

const FLAGS: FlagSpecs = {
  preset: { type: 'string', help: 'model preset (e.g. momentum-smoe-tiny, smoe-medium, momentum-vmoe-mnist)' },
  config: { type: 'string', help: 'model config JSON with the official field names' },
  data: { type: 'string', help: 'WikiText-format folder (wiki.*.tokens or *.txt)' },
  corpus: { type: 'string', help: 'embedded corpus instead of --data (sotu text, mnist digits)', choices: ['sotu', 'mnist'] },
  ...BACKEND_FLAG,
  steps: { type: 'string', help: 'training steps (default: the preset’s)' },
  batch: { type: 'string', help: 'parallel streams per step (default: the preset’s)' },
  'batch-split': { type: 'string', help: 'micro-batches per step, gradient accumulation (default: the preset’s; vision: 1)' },
  lr: { type: 'string', help: 'peak learning rate (default: the preset’s)' },
  warmup: { type: 'string', help: 'linear warm-up steps (default: the preset’s)' },
  seed: { type: 'string', help: 'random seed', default: '1' },
  'eval-every': { type: 'string', help: 'validate (and checkpoint) every N steps', default: '500' },
  'max-vocab': { type: 'string', help: 'cap the vocabulary to the N most frequent training words' },
  out: { type: 'string', help: 'output folder', default: 'runs/train' },
  resume: { type: 'string', help: 'continue the run in this folder (its run.json and last checkpoint)' },
  ...WORKERS_FLAG,
};

/** The JSON kept beside a run so that `--resume DIR` needs no other flag. */
type RunFile =
  | { vision?: false; run: LmRunConfig; data: { dir?: string; maxVocab?: number } }
  | { vision: true; run: VisionRunConfig; data: { dir?: string } };

/** `msmoe train`: one language model, with checkpoints, metrics and exact resume. */
export const trainCommand: Command = {
  summary: 'train one model (preset or config) on WikiText-format data or the embedded corpus',
  async run(argv) {
    const flags = parseFlags('train', argv, FLAGS);
    if (!flags) return console.log(helpText('usage: msmoe train --preset NAME | --config model.json [--data DIR | --corpus sotu] [flags]', this.summary, FLAGS));
    const plan = parallelPlan('train', flags.workers === undefined ? undefined : String(flags.workers));
    pinGpu(plan);
    const leader = isLeader(plan);
    let runFile: RunFile;
    let out: string;
    if (flags.resume !== undefined) {
      out = String(flags.resume);
      const file = join(out, 'run.json');
      if (!existsSync(file)) throw new UsageError(`msmoe train: --resume ${out}: no run.json there (start a run with --out ${out} first)`);
      runFile = JSON.parse(readFileSync(file, 'utf8')) as RunFile;
    } else {
      if (flags.data !== undefined && flags.corpus !== undefined) throw new UsageError('msmoe train: give --data DIR or --corpus sotu, not both');
      if (flags.data !== undefined && !existsSync(String(flags.data))) throw new UsageError(`msmoe train: --data ${String(flags.data)}: no such folder`);
      out = String(flags.out);
      const vision = isVisionPreset(flags.preset);
      if (vision ? flags.corpus === 'sotu' : flags.corpus === 'mnist') {
        throw new UsageError(`msmoe train: --corpus ${String(flags.corpus)} does not fit --preset ${String(flags.preset)} (vision presets take --corpus mnist or an ImageNet --data DIR; language models take --corpus sotu or a WikiText --data DIR)`);
      }
      if (vision) {
        const dir = flags.data === undefined ? {} : { dir: String(flags.data) };
        runFile = { vision: true, run: visionRunFromFlags(flags), data: dir };
        checkBatchShares('train', plan, runFile.run.batch, runFile.run.batchSplit);
        if (leader) await writeFileAtomic(join(out, 'run.json'), JSON.stringify(runFile, null, 2) + '\n');
        await startBackend(String(flags.backend));
        return trainVisionCommand(runFile.run, runFile.data.dir, out, false, { plan, backend: String(flags.backend) });
      }
      const resolved = resolveModel('train', flags.preset, flags.config);
      const o = resolved.optim;
      const steps = intFlag('train', 'steps', flags.steps) ?? o.steps;
      const run: LmRunConfig = {
        name: resolved.name,
        model: resolved.model,
        steps,
        batch: intFlag('train', 'batch', flags.batch) ?? o.batch,
        batchSplit: intFlag('train', 'batch-split', flags['batch-split']) ?? o.batchSplit,
        lr: numberFlag('train', 'lr', flags.lr) ?? o.lr,
        warmup: intFlag('train', 'warmup', flags.warmup, { min: 0 }) ?? o.warmup,
        seed: intFlag('train', 'seed', flags.seed, { min: 0 })!,
        evalEvery: Math.min(steps, intFlag('train', 'eval-every', flags['eval-every'])!),
      };
      if (run.batch % run.batchSplit !== 0) throw new UsageError(`msmoe train: --batch ${run.batch} must be divisible by --batch-split ${run.batchSplit}`);
      const maxVocab = intFlag('train', 'max-vocab', flags['max-vocab'], { min: 2 });
      runFile = { run, data: { ...(flags.data !== undefined ? { dir: String(flags.data) } : {}), ...(maxVocab ? { maxVocab } : {}) } };
    }
    checkBatchShares('train', plan, runFile.run.batch, runFile.run.batchSplit);
    await startBackend(String(flags.backend));
    const parallel = { plan, backend: String(flags.backend) };
    if (runFile.vision) return trainVisionCommand(runFile.run, runFile.data.dir, out, true, parallel);
    const data = await loadLmData({ ...runFile.data, cacheDir: '.cache/msmoe' });
    runFile.run.model = { ...runFile.run.model, vocab: data.vocab };
    if (leader) {
      await writeFileAtomic(join(out, 'run.json'), JSON.stringify(runFile, null, 2) + '\n');
      console.error(`data: ${data.source} (vocabulary ${data.vocab}, ${data.clean.train.length.toLocaleString('en-US')} training tokens)`);
      await writeVocab(out, data.words);
    }
    const signal = interruptSignal();
    const resume = flags.resume !== undefined;
    let result: Omit<LmRunResult, 'model'>;
    if (plan.mode === 'single') {
      const { model, ...r } = await trainLm(runFile.run, data.clean.train, data.clean.valid, out, { resume, signal });
      model.dispose();
      result = r;
    } else {
      const [train, valid] = [shareIds(data.clean.train), shareIds(data.clean.valid)];
      const job = { kind: 'lm' as const, backend: String(flags.backend), run: runFile.run, train, valid, outDir: out, resume };
      const done = await runParallelJob(plan, job, signal);
      if (done?.kind !== 'lm') return; // an MPI rank other than 0: rank 0 reports
      result = done.result;
    }
    const best = result.valid.reduce((b, v) => (v.ppl < b ? v.ppl : b), Infinity);
    if (signal.aborted) console.log(`interrupted after a checkpoint; continue with: msmoe train --resume ${out}`);
    console.log(`best valid PPL ${best.toFixed(2)}; metrics ${join(out, 'metrics.jsonl')}; weights ${join(out, 'best.safetensors')}`);
  },
};
