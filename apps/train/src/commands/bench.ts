import { UsageError, helpText, intFlag, parseFlags, type FlagSpecs } from '../args.js';
import { resolveModel } from '../data/model-config.js';
import { benchTrainStep, type BenchResult } from '../training/bench-step.js';
import {
  WORKERS_FLAG,
  checkBatchShares,
  parallelPlan,
  checkParallelBackend,
  pinGpu,
  planSize,
  runParallelJob,
} from '../training/dp-launch.js';
import { BACKEND_FLAG, startBackend } from './common.js';
import type { Command } from './command.js';
import { printProfile } from '../bench/profile-command.js';

const FLAGS: FlagSpecs = {
  config: { type: 'string', help: 'model config JSON' },
  preset: { type: 'string', help: 'or a model preset' },
  batch: { type: 'string', help: 'parallel streams', default: '8' },
  vocab: { type: 'string', help: 'vocabulary size (default: the config’s)' },
  warmup: { type: 'string', help: 'untimed steps first', default: '2' },
  reps: { type: 'string', help: 'timed steps (the median is reported)', default: '5' },
  json: { type: 'boolean', help: 'print JSON' },
  profile: { type: 'boolean', help: 'print where a step’s time goes, by model part and by kernel' },
  paired: {
    type: 'boolean',
    help: 'with --workers N (or mpirun): also time one worker, and N without the all-reduce, interleaved',
  },
  ...BACKEND_FLAG,
  ...WORKERS_FLAG,
};

/** `msmoe bench train-step`: the median time of a forward + backward (+ all-reduce) + Adam step on random tokens. */
export const benchCommand: Command = {
  summary: 'time a training step: `msmoe bench train-step --config model.json --batch B --json`',
  async run(argv) {
    const [kind, ...rest] = argv;
    if (kind === '--help' || kind === undefined)
      return console.log(
        helpText(
          'usage: msmoe bench train-step (--config model.json | --preset NAME) [--batch B] [--json]',
          this.summary,
          FLAGS,
        ),
      );
    if (kind !== 'train-step') throw new UsageError(`msmoe bench: unknown benchmark '${kind}' (available: train-step)`);
    const flags = parseFlags('bench train-step', rest, FLAGS);
    if (!flags)
      return console.log(
        helpText(
          'usage: msmoe bench train-step (--config model.json | --preset NAME) [--batch B] [--json]',
          this.summary,
          FLAGS,
        ),
      );
    const vocab = intFlag('bench train-step', 'vocab', flags.vocab, { min: 2 });
    const { model: config } = resolveModel('bench train-step', flags.preset, flags.config, vocab);
    const batch = intFlag('bench train-step', 'batch', flags.batch)!;
    const plan = parallelPlan('bench train-step', flags.workers === undefined ? undefined : String(flags.workers));
    pinGpu(plan);
    checkParallelBackend('bench train-step', plan, String(flags.backend));
    checkBatchShares('bench train-step', plan, batch);
    if (flags.paired && planSize(plan) < 2) {
      throw new UsageError(
        'msmoe bench train-step: --paired compares ranks with one worker; add --workers 2 (or more)',
      );
    }
    await startBackend(String(flags.backend));
    if (flags.profile) return printProfile(config, batch, intFlag('bench train-step', 'reps', flags.reps)!);
    const options = {
      config,
      batch,
      warmup: intFlag('bench train-step', 'warmup', flags.warmup, { min: 0 })!,
      reps: intFlag('bench train-step', 'reps', flags.reps)!,
      paired: flags.paired === true,
    };
    let result: BenchResult;
    if (plan.mode === 'single') result = await benchTrainStep(options);
    else {
      const done = await runParallelJob(plan, { kind: 'bench', backend: String(flags.backend), options });
      if (done?.kind !== 'bench') return; // an MPI rank other than 0: rank 0 reports
      result = done.result;
    }
    if (flags.json) console.log(JSON.stringify(result));
    else {
      const reduce =
        result.workers > 1
          ? `, all-reduce ${result.allreduce_ms.toFixed(1)} ms (${(100 * result.allreduce_share).toFixed(1)}%)`
          : '';
      console.log(
        `${result.step_ms.toFixed(1)} ms per step, ${Math.round(result.tokens_per_s)} tokens/s ` +
          `on ${result.backend} × ${result.workers}${reduce}`,
      );
      const p = result.paired;
      if (p)
        console.log(
          `paired: one worker ${Math.round(p.one_worker_tokens_per_s)} tokens/s, so ${p.speedup.toFixed(2)}× with ` +
            `${result.workers}; without the all-reduce ${Math.round(p.lockstep_tokens_per_s)} tokens/s in lockstep ` +
            `(${p.lockstep_speedup.toFixed(2)}×), ${Math.round(p.free_running_tokens_per_s)} free-running ` +
            `(${p.free_running_speedup.toFixed(2)}×)`,
        );
    }
  },
};
