import { basename, join } from 'node:path';
import type { TensorData } from '@momentum-smoe/core';
import { lmConfigHelp, type LmConfig, type VisionMoEConfig } from '@momentum-smoe/models';
import { existsSync } from 'node:fs';
import { UsageError, givenFlags, helpText, intFlag, numberFlag, parseFlags, type FlagSpecs } from '../args.js';
import { loadLmData, streamProblem, type LmData } from '../data/lm-data.js';
import type { VisionData } from '../data/vision-data.js';
import { CONFIG_OPTIM, resolveModel, type ResolvedModel } from '../data/model-config.js';
import { writeVocab } from '../data/run-models.js';
import { trainLm, type LmRunConfig, type LmRunResult } from '../training/lm-trainer.js';
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
import { INTERRUPTED_STATUS } from '../training/interrupt.js';
import { BEST_CHECKPOINT, LAST_CHECKPOINT } from '../training/run-options.js';
import { clearRunFolder } from '../training/run-folder.js';
import { isVisionPreset, loadVisionRun, trainVisionCommand, visionRunFromFlags } from './vision.js';
import { BACKEND_FLAG, checkCacheDir, checkOutFolder, interruptSignal, startBackend } from './common.js';
import type { Command } from './command.js';
import { initialValues, readInitWeights, type InitWeights } from './init-weights.js';
import { readRunFile, writeRunFile, type LmRunFile, type RunFile, type VisionRunFile } from './run-file.js';

const FLAGS: FlagSpecs = {
  preset: { type: 'string', help: 'model preset (e.g. momentum-smoe-tiny, smoe-medium, momentum-vmoe-mnist)' },
  config: { type: 'string', help: 'model config JSON with the official field names' },
  data: { type: 'string', help: 'WikiText-format folder (wiki.*.tokens or *.txt)' },
  corpus: {
    type: 'string',
    help: 'embedded corpus instead of --data (sotu text, mnist digits)',
    choices: ['sotu', 'mnist'],
  },
  ...BACKEND_FLAG,
  steps: { type: 'string', help: 'training steps (default: the preset’s; with --resume: extend the run to N steps)' },
  batch: { type: 'string', help: 'parallel streams per step (default: the preset’s)' },
  'batch-split': {
    type: 'string',
    help: 'micro-batches per step, gradient accumulation (default: the preset’s; vision: 1)',
  },
  lr: { type: 'string', help: 'peak learning rate (default: the preset’s)' },
  warmup: { type: 'string', help: 'linear warm-up steps (default: the preset’s)' },
  seed: { type: 'string', help: 'random seed', default: '1' },
  'eval-every': { type: 'string', help: 'validate (and checkpoint) every N steps', default: '500' },
  'max-vocab': { type: 'string', help: 'cap the vocabulary to the N most frequent training words' },
  out: { type: 'string', help: 'output folder (must be empty or new, see --overwrite)', default: 'runs/train' },
  overwrite: { type: 'boolean', help: 'start a new run in an --out folder that holds an earlier run, replacing it' },
  resume: { type: 'string', help: 'continue the run in this folder (its run.json and last checkpoint)' },
  ...WORKERS_FLAG,
  init: { type: 'string', help: 'fine-tune: start from these weights (official names or an msmoe checkpoint)' },
};

/** The flags that make sense with `--resume` (the run's identity comes from its run.json). */
const RESUME_FLAGS = ['resume', 'steps', 'eval-every', 'backend', 'workers'];

type Flags = Record<string, string | boolean | undefined>;

/** A new run from the flags (and `--init` weights): vision or language is decided here, once. */
function newRun(flags: Flags, init: InitWeights | undefined): RunFile {
  if (flags.data !== undefined && flags.corpus !== undefined)
    throw new UsageError('msmoe train: give --data DIR or --corpus sotu, not both');
  if (flags.data !== undefined && !existsSync(String(flags.data)))
    throw new UsageError(`msmoe train: --data ${String(flags.data)}: no such folder`);
  const data = flags.data === undefined ? {} : { dir: String(flags.data) };
  const vision = isVisionPreset(flags.preset);
  if (vision ? flags.corpus === 'sotu' : flags.corpus === 'mnist') {
    throw new UsageError(
      `msmoe train: --corpus ${String(flags.corpus)} does not fit --preset ${String(flags.preset)} ` +
        '(vision presets take --corpus mnist or an ImageNet --data DIR; ' +
        'language models take --corpus sotu or a WikiText --data DIR)',
    );
  }
  const from = init ? { init: init.file } : {};
  if (vision) return { vision: true, run: visionRunFromFlags(flags), data, ...from };
  const carried = init?.carried && flags.preset === undefined && flags.config === undefined;
  const resolved = carried ? carriedModel(init) : resolveModel('train', flags.preset, flags.config);
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
  if (run.batch % run.batchSplit !== 0)
    throw new UsageError(`msmoe train: --batch ${run.batch} must be divisible by --batch-split ${run.batchSplit}`);
  const maxVocab = intFlag('train', 'max-vocab', flags['max-vocab'], { min: 2 });
  return { run, data: { ...data, ...(maxVocab ? { maxVocab } : {}) }, ...from };
}

/** The model of weights that carry their config, with the optimiser settings of the run that wrote them, if any. */
function carriedModel(init: InitWeights): ResolvedModel {
  const name = `${basename(init.file, '.safetensors')}-finetune`;
  const r = init.carriedRun;
  const optim = r
    ? { lr: r.lr, warmup: r.warmup, steps: r.steps, batch: r.batch, batchSplit: r.batchSplit }
    : { ...CONFIG_OPTIM };
  return { name, model: init.carried!.model, optim };
}

/** The run in `out` to resume; `--steps N` extends it, `--eval-every N` changes how often it checkpoints. */
function resumedRun(argv: string[], flags: Flags, out: string): RunFile {
  const ignored = givenFlags(argv).filter((f) => !RESUME_FLAGS.includes(f));
  if (ignored.length) {
    throw new UsageError(
      `msmoe train: --resume takes the run's settings from ${join(out, 'run.json')}; drop ` +
        `${ignored.map((f) => `--${f}`).join(', ')} ` +
        '(only --steps, to extend the run, --eval-every, --backend and --workers may change)',
    );
  }
  const runFile = readRunFile('train', out);
  const steps = intFlag('train', 'steps', flags.steps);
  if (steps !== undefined && steps < runFile.run.steps) {
    throw new UsageError(
      `msmoe train: --resume --steps ${steps} is below the run's ${runFile.run.steps} steps; ` +
        'a resumed run can only be extended',
    );
  }
  const run = runFile.run;
  if (steps !== undefined) run.steps = steps;
  if (givenFlags(argv).includes('eval-every')) run.evalEvery = intFlag('train', 'eval-every', flags['eval-every'])!;
  run.evalEvery = Math.min(run.steps, run.evalEvery);
  return runFile;
}

/** A run with its loaded data; vision or language, decided by the run file. */
type Prepared = (
  { vision: true; runFile: VisionRunFile; data: VisionData } | { vision: false; runFile: LmRunFile; data: LmData }
) & {
  /** Initial weights (`--init`), checked against the run's model. */
  initial?: Map<string, TensorData>;
};

/**
 * Loads the run's data and checks that it (and the `--init` weights) fit the run: everything that can fail on data
 * fails before the folder is touched.
 */
async function loadRunData(
  runFile: RunFile,
  cache: string | undefined,
  init: InitWeights | undefined,
  resume: boolean,
  out: string,
): Promise<Prepared> {
  const initial = async (model: LmConfig | VisionMoEConfig) =>
    init ? { initial: await initialValues(init, model) } : {};
  if (runFile.vision) {
    const { run, data } = await loadVisionRun(runFile.run, runFile.data.dir, resume, out);
    return { vision: true, runFile: { ...runFile, run }, data, ...(await initial(run.model)) };
  }
  const data = await loadLmData({ ...runFile.data, cacheDir: cache! });
  const run = { ...runFile.run, model: { ...runFile.run.model, vocab: data.vocab } };
  const problem =
    streamProblem('the training split', data.clean.train.length, run.batch, run.model.blockSize, 'train') ??
    streamProblem(
      'the validation split',
      data.clean.valid.length,
      run.evalBatch ?? run.batch,
      run.model.blockSize,
      'eval',
    );
  if (problem) throw new UsageError(`msmoe train: ${problem}; use a smaller --batch or more data`);
  return { vision: false, runFile: { ...runFile, run }, data, ...(await initial(run.model)) };
}

/** `msmoe train`: one model, with checkpoints, metrics and exact resume. */
export const trainCommand: Command = {
  summary: 'train one model (preset or config) on WikiText-format data or the embedded corpus',
  async run(argv) {
    const flags = parseFlags('train', argv, FLAGS);
    if (!flags) {
      const usage = 'usage: msmoe train --preset NAME | --config model.json [--data DIR | --corpus sotu] [flags]';
      const fields = "model.json fields (JSON name, the official scripts' flag, default, meaning):";
      return console.log(`${helpText(usage, this.summary, FLAGS)}\n\n${fields}\n${lmConfigHelp()}`);
    }
    const plan = parallelPlan('train', flags.workers === undefined ? undefined : String(flags.workers));
    pinGpu(plan);
    checkParallelBackend('train', plan, String(flags.backend));
    const leader = isLeader(plan);
    const resume = flags.resume !== undefined;
    const out = String(resume ? flags.resume : flags.out);
    const init = flags.init === undefined || resume ? undefined : await readInitWeights(String(flags.init));
    const runFile = resume ? resumedRun(argv, flags, out) : newRun(flags, init);
    checkBatchShares('train', plan, runFile.run.batch, runFile.run.batchSplit);
    // Rank 0 alone owns the folder: the other ranks would find what it has just written.
    if (leader) checkOutFolder('train', out, resume, flags.overwrite === true, `msmoe train --resume ${out}`);
    const cache = runFile.vision ? undefined : checkCacheDir('train');
    await startBackend(String(flags.backend));
    // A run started from --init and resumed before its first checkpoint starts from those weights again.
    const hasCheckpoint = [LAST_CHECKPOINT, BEST_CHECKPOINT].some((f) => existsSync(join(out, f)));
    const again = resume && runFile.init !== undefined && !hasCheckpoint;
    const initWeights = init ?? (again ? await readInitWeights(runFile.init!) : undefined);
    const prepared = await loadRunData(runFile, cache, initWeights, resume, out);
    if (leader) {
      if (!resume && flags.overwrite === true) clearRunFolder(out);
      await writeRunFile(out, prepared.runFile);
    }
    const signal = interruptSignal();
    const status = () => (signal.aborted ? INTERRUPTED_STATUS : 0);
    const parallel = { plan, backend: String(flags.backend) };
    const initial = prepared.initial ? { initial: prepared.initial } : {};
    if (prepared.vision) {
      const how = { signal, parallel, ...initial };
      await trainVisionCommand(prepared.runFile.run, prepared.data, prepared.runFile.data.dir, out, resume, how);
      return status();
    }
    const { data } = prepared;
    const run = prepared.runFile.run;
    if (leader) {
      console.error(
        `data: ${data.source} ` +
          `(vocabulary ${data.vocab}, ${data.clean.train.length.toLocaleString('en-US')} training tokens)`,
      );
      await writeVocab(out, data.words);
    }
    let result: Omit<LmRunResult, 'model'>;
    if (plan.mode === 'single') {
      const { model, ...r } = await trainLm(run, data.clean.train, data.clean.valid, out, {
        resume,
        signal,
        ...initial,
      });
      model.dispose();
      result = r;
    } else {
      const [train, valid] = [shareIds(data.clean.train), shareIds(data.clean.valid)];
      const job = {
        kind: 'lm' as const,
        backend: String(flags.backend),
        run,
        train,
        valid,
        outDir: out,
        resume,
        ...initial,
      };
      const done = await runParallelJob(plan, job, signal);
      if (done?.kind !== 'lm') return status(); // an MPI rank other than 0: rank 0 reports
      result = done.result;
    }
    const best = result.valid.reduce((b, v) => (v.ppl < b ? v.ppl : b), Infinity);
    if (signal.aborted) console.log(`interrupted after a checkpoint; continue with: msmoe train --resume ${out}`);
    console.log(
      `best valid PPL ${best.toFixed(2)}; metrics ${join(out, 'metrics.jsonl')}; ` +
        `weights ${join(out, 'best.safetensors')}`,
    );
    return status();
  },
};
