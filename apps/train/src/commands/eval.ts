import { existsSync } from 'node:fs';
import { SmoeLanguageModel, evaluateLm, loadWeights, visionPreset } from '@momentum-smoe/models';
import { Rng, checkDevice, listSome, readSafetensors } from '@momentum-smoe/core';
import { loadCheckpoint } from '../training/checkpoint.js';
import { assignFrom } from '../training/tensor-data.js';
import type { LmRunConfig } from '../training/lm-trainer.js';
import type { VisionRunConfig } from '../training/vision-trainer.js';
import { evalVisionCommand, isVisionPreset } from './vision.js';
import { UsageError, helpText, intFlag, parseFlags, type FlagSpecs } from '../args.js';
import { loadLmData } from '../data/lm-data.js';
import { configDifferences, configForWeights, metadataConfig } from '../data/model-config.js';
import { BACKEND_FLAG, checkCacheDir, startBackend } from './common.js';
import type { Command } from './command.js';

const FLAGS: FlagSpecs = {
  config: { type: 'string', help: 'model config JSON (official field names)' },
  preset: { type: 'string', help: 'or a model preset' },
  weights: { type: 'string', help: 'official-name weights (.safetensors) or a checkpoint written by msmoe train' },
  data: { type: 'string', help: 'WikiText-format folder' },
  corpus: { type: 'string', help: 'embedded corpus instead of --data', choices: ['sotu', 'mnist'] },
  images: { type: 'string', help: 'vision: evaluate on the first N held-out images only' },
  robustness: {
    type: 'string',
    help: 'vision: also evaluate corrupted images / the ImageNet-A/R/C folders',
    choices: ['on', 'off'],
    default: 'on',
  },
  'imagenet-a': { type: 'string', help: 'vision: an ImageNet-A folder to evaluate too' },
  'imagenet-r': { type: 'string', help: 'vision: an ImageNet-R folder to evaluate too' },
  'imagenet-c': { type: 'string', help: 'vision: an ImageNet-C folder (mCE against AlexNet)' },
  split: { type: 'string', help: 'split to evaluate', choices: ['valid', 'test'], default: 'valid' },
  batch: { type: 'string', help: 'parallel streams', default: '8' },
  attack: { type: 'string', help: 'word-swap:RATE evaluates on attacked text (e.g. word-swap:0.015)' },
  'max-vocab': { type: 'string', help: 'the vocabulary cap the model was trained with' },
  json: { type: 'boolean', help: 'print {"loss","ppl","tokens"} as JSON' },
  ...BACKEND_FLAG,
};

/** Parses `--attack word-swap:RATE`. */
export function parseAttack(spec: string): number {
  const m = /^word-swap:([0-9.]+)$/.exec(spec);
  const rate = m ? Number(m[1]) : NaN;
  if (!(rate >= 0 && rate <= 1))
    throw new UsageError(
      `msmoe eval: --attack '${spec}' is not word-swap:RATE with 0 ≤ RATE ≤ 1 (e.g. word-swap:0.015)`,
    );
  return rate;
}

/** A vision checkpoint is evaluated as what it is: `--config` (language only) or a different `--preset` is an error. */
function checkVisionFlags(
  weights: string,
  run: VisionRunConfig,
  flags: Record<string, string | boolean | undefined>,
): void {
  if (flags.config !== undefined) {
    throw new UsageError(
      `msmoe eval: --config describes a language model but ${weights} is a vision checkpoint (${run.name}); ` +
        'drop --config',
    );
  }
  if (flags.preset === undefined) return;
  const preset = String(flags.preset);
  const differences = isVisionPreset(preset)
    ? configDifferences(run.model, visionPreset(preset))
    : ['a language preset'];
  if (differences.length > 0) {
    throw new UsageError(
      `msmoe eval: --preset ${preset} contradicts the checkpoint ${weights} (${run.name}: ${listSome(differences)}); ` +
        'drop --preset to evaluate it as what it is',
    );
  }
}

/** `msmoe eval`: the official full evaluation of a language model's weights on a split, clean or attacked. */
export const evalCommand: Command = {
  summary: 'evaluate weights with the official full-evaluation protocol (clean or word-swap attacked)',
  async run(argv) {
    const flags = parseFlags('eval', argv, FLAGS);
    if (!flags)
      return console.log(
        helpText(
          'usage: msmoe eval [--config model.json] --weights W.safetensors --data DIR [--split valid|test] ' +
            '[--attack word-swap:RATE] [--json]',
          this.summary,
          FLAGS,
        ),
      );
    if (flags.weights === undefined) throw new UsageError('msmoe eval: --weights W.safetensors is required');
    if (!existsSync(String(flags.weights)))
      throw new UsageError(`msmoe eval: --weights ${String(flags.weights)}: no such file`);
    if ((flags.data === undefined) === (flags.corpus === undefined))
      throw new UsageError('msmoe eval: give one of --data DIR or --corpus sotu|mnist');
    const weights = String(flags.weights);
    const { metadata } = await readSafetensors(weights);
    const isCheckpoint = metadata.format === 'msmoe-checkpoint-1';
    const ckpt = isCheckpoint ? await loadCheckpoint<{ run: LmRunConfig | VisionRunConfig }>(weights) : null;
    if (ckpt && 'patchSize' in ckpt.state.run.model) {
      checkVisionFlags(weights, ckpt.state.run as VisionRunConfig, flags);
      await startBackend(String(flags.backend));
      const result = await evalVisionCommand(weights, flags);
      if (flags.json) return console.log(JSON.stringify(result));
      const { top1, top5, count } = result.clean;
      console.log(
        `${result.split}: top-1 ${(100 * top1).toFixed(2)}%  top-5 ${(100 * top5).toFixed(2)}%  over ${count} images`,
      );
      if (result.mnist) {
        console.log(
          `corrupted digits: mean top-1 error ${result.mnist.meanError.toFixed(2)}%, ` +
            `CE relative to clean ${result.mnist.cleanNormalizedCE.toFixed(1)} (--json: per corruption and severity)`,
        );
      }
      return;
    }
    const lmCkpt = ckpt as Awaited<ReturnType<typeof loadCheckpoint<{ run: LmRunConfig }>>> | null;
    const attackRate = flags.attack === undefined ? undefined : parseAttack(String(flags.attack));
    const batch = intFlag('eval', 'batch', flags.batch)!;
    const maxVocab = intFlag('eval', 'max-vocab', flags['max-vocab'], { min: 2 });
    // Weights that carry their config are evaluated as what they are; others need --config or --preset.
    const carried = lmCkpt
      ? { source: `checkpoint ${weights} (${lmCkpt.state.run.name})`, model: lmCkpt.state.run.model }
      : metadataConfig(weights, metadata);
    const config = configForWeights('eval', carried, flags.preset, flags.config);
    await startBackend(String(flags.backend));
    const data = await loadLmData({
      ...(flags.data !== undefined ? { dir: String(flags.data) } : {}),
      cacheDir: checkCacheDir('eval'),
      ...(maxVocab ? { maxVocab } : {}),
      ...(attackRate !== undefined ? { attackRate } : {}),
    });
    if (config.vocab !== data.vocab) {
      throw new UsageError(
        `msmoe eval: the model's vocab is ${config.vocab} but the data's vocabulary has ${data.vocab} ids ` +
          '(check --data and --max-vocab)',
      );
    }
    const model = new SmoeLanguageModel(config, { rng: new Rng(0) });
    if (lmCkpt) assignFrom(model.namedParameters(), lmCkpt.model, `checkpoint ${weights}`);
    else await loadWeights(model, weights);
    const split = String(flags.split) as 'valid' | 'test';
    const ids = attackRate !== undefined ? data.attacked![split] : data.clean[split];
    const result = await evaluateLm(model, ids, { batch });
    model.dispose();
    checkDevice(); // on webgpu a failed dispatch only raises an event: never print its number
    if (flags.json) console.log(JSON.stringify(result));
    else
      console.log(
        `${split}${attackRate !== undefined ? ` (word swap ${attackRate})` : ''}: ` +
          `loss ${result.loss.toFixed(4)}  PPL ${result.ppl.toFixed(2)}  over ${result.tokens} tokens`,
      );
  },
};
