import { dirname, join } from 'node:path';
import { Vocabulary, idsToText, textToWords, wordsToIds } from '@momentum-smoe/datasets';
import { generateTokens } from '@momentum-smoe/models';
import { UsageError, helpText, intFlag, numberFlag, parseFlags, type FlagSpecs } from '../args.js';
import { resolveModel } from '../data/model-config.js';
import { VOCAB_FILE, findRunModels, loadModel, loadRunModels, readVocab, type RunModel } from '../data/run-models.js';
import { BACKEND_FLAG, startBackend } from './common.js';
import type { Command } from './index.js';

const FLAGS: FlagSpecs = {
  run: {
    type: 'string',
    help: 'a run folder: one model (best.safetensors + vocab.txt) or a default/compare run (each model)',
  },
  weights: { type: 'string', help: 'or a weights file (a checkpoint or official-name safetensors)' },
  config: { type: 'string', help: 'model config JSON for official weights without one' },
  vocab: { type: 'string', help: 'vocabulary file for --weights (default: vocab.txt beside it)' },
  prompt: { type: 'string', help: 'the text to continue' },
  tokens: { type: 'string', help: 'tokens to generate', default: '40' },
  seed: { type: 'string', help: 'sampling seed', default: '1' },
  temperature: { type: 'string', help: 'softmax temperature; 0 = greedy', default: '0.8' },
  'top-k': { type: 'string', help: 'sample among the K most likely tokens (0 = all)', default: '40' },
  ...BACKEND_FLAG,
};

/** `msmoe generate`: continue a prompt with a trained language model (incremental decoding, seeded sampling). */
export const generateCommand: Command = {
  summary: 'continue a prompt with trained language models (same seed, same text; also in the web page)',
  async run(argv) {
    const flags = parseFlags('generate', argv, FLAGS);
    if (!flags)
      return console.log(
        helpText(
          'usage: msmoe generate --run DIR | --weights W [--config C] --prompt "…" [--tokens N] [--seed S]',
          this.summary,
          FLAGS,
        ),
      );
    if ((flags.run === undefined) === (flags.weights === undefined))
      throw new UsageError('msmoe generate: give one of --run DIR or --weights W.safetensors');
    if (flags.prompt === undefined || String(flags.prompt).trim() === '')
      throw new UsageError('msmoe generate: --prompt "some words" is required');
    const tokens = intFlag('generate', 'tokens', flags.tokens, { min: 0 })!;
    const seed = intFlag('generate', 'seed', flags.seed, { min: 0 })!;
    const temperature = numberFlag('generate', 'temperature', flags.temperature)!;
    if (!(temperature >= 0)) throw new UsageError(`msmoe generate: --temperature must be ≥ 0, got ${temperature}`);
    const topK = intFlag('generate', 'top-k', flags['top-k'], { min: 0 })!;
    // a wrong folder fails before the backend starts
    if (flags.run !== undefined) findRunModels(String(flags.run), 'generate');
    await startBackend(String(flags.backend));
    let models: RunModel[];
    if (flags.run !== undefined) models = await loadRunModels(String(flags.run), 'generate');
    else {
      const weights = String(flags.weights);
      const words = readVocab(
        flags.vocab === undefined ? join(dirname(weights), VOCAB_FILE) : String(flags.vocab),
        'generate',
      );
      const config =
        flags.config === undefined ? undefined : resolveModel('generate', undefined, flags.config, words.length).model;
      models = [await loadModel(weights, words, config, 'generate', weights.replace(/^.*\//, ''))];
    }
    for (const { name, model, words } of models) {
      const vocab = new Vocabulary(words);
      const prompt = wordsToIds(textToWords(String(flags.prompt), { finalEos: false }), vocab);
      const ids = await generateTokens(model, prompt, { tokens, seed, temperature, topK });
      if (models.length > 1) console.log(`== ${name}`);
      console.log(idsToText([...prompt, ...ids], vocab));
      model.dispose();
    }
  },
};
