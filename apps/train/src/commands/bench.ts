import * as tf from '@tensorflow/tfjs';
import { Rng } from '@momentum-smoe/core';
import { SmoeLanguageModel } from '@momentum-smoe/models';
import { UsageError, helpText, intFlag, parseFlags, type FlagSpecs } from '../args.js';
import { resolveModel } from '../data/model-config.js';
import { Adam } from '../training/optimizer.js';
import { BACKEND_FLAG, startBackend } from './common.js';
import type { Command } from './command.js';

const FLAGS: FlagSpecs = {
  config: { type: 'string', help: 'model config JSON' },
  preset: { type: 'string', help: 'or a model preset' },
  batch: { type: 'string', help: 'parallel streams', default: '8' },
  vocab: { type: 'string', help: 'vocabulary size (default: the config’s)' },
  warmup: { type: 'string', help: 'untimed steps first', default: '2' },
  reps: { type: 'string', help: 'timed steps (the median is reported)', default: '5' },
  json: { type: 'boolean', help: 'print JSON' },
  ...BACKEND_FLAG,
};

/** `msmoe bench train-step`: the median time of a forward + backward + Adam step on random tokens. */
export const benchCommand: Command = {
  summary: 'time a training step: `msmoe bench train-step --config model.json --batch B --json`',
  async run(argv) {
    const [kind, ...rest] = argv;
    if (kind === '--help' || kind === undefined) return console.log(helpText('usage: msmoe bench train-step (--config model.json | --preset NAME) [--batch B] [--json]', this.summary, FLAGS));
    if (kind !== 'train-step') throw new UsageError(`msmoe bench: unknown benchmark '${kind}' (available: train-step)`);
    const flags = parseFlags('bench train-step', rest, FLAGS);
    if (!flags) return console.log(helpText('usage: msmoe bench train-step (--config model.json | --preset NAME) [--batch B] [--json]', this.summary, FLAGS));
    const vocab = intFlag('bench train-step', 'vocab', flags.vocab, { min: 2 });
    const { model: config } = resolveModel('bench train-step', flags.preset, flags.config, vocab);
    const batch = intFlag('bench train-step', 'batch', flags.batch)!;
    const report = await startBackend(String(flags.backend));
    const rng = new Rng(0);
    const model = new SmoeLanguageModel(config, { rng });
    const optimizer = new Adam(model.namedParameters());
    const m = config.blockSize;
    const ids = () => tf.tensor2d(Int32Array.from({ length: batch * m }, () => rng.int(config.vocab)), [batch, m], 'int32');
    const [x, y] = [ids(), ids()];
    let cache = model.initCache(batch);
    const step = async () => {
      let next: tf.Tensor3D[] = [];
      const { value, grads } = tf.variableGrads(() => {
        const out = model.loss(x, y, cache);
        next = out.nextCache.map((t) => tf.keep(t));
        return out.loss;
      });
      optimizer.apply(grads, 1e-4).dispose();
      await value.data(); // the step is done once its loss can be read
      tf.dispose([value, ...Object.values(grads), ...cache]);
      cache = next;
    };
    const warm = intFlag('bench train-step', 'warmup', flags.warmup, { min: 0 })!;
    const reps = intFlag('bench train-step', 'reps', flags.reps)!;
    for (let i = 0; i < warm; i++) await step();
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      await step();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const stepMs = times[Math.floor(times.length / 2)]!;
    const result = { tokens_per_s: (batch * m) / (stepMs / 1000), step_ms: stepMs, backend: report.backend };
    tf.dispose([x, y, ...cache]);
    optimizer.dispose();
    model.dispose();
    if (flags.json) console.log(JSON.stringify(result));
    else console.log(`${result.step_ms.toFixed(1)} ms per step, ${Math.round(result.tokens_per_s)} tokens/s on ${result.backend}`);
  },
};
