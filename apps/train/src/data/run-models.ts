/**
 * What generation and the web page need from a run folder: the model config, the weights and the vocabulary
 * (`vocab.txt`, one word per line in id order, written beside the weights by `msmoe train`, `msmoe compare` and the
 * default run).
 * @module
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Rng, readSafetensors, writeFileAtomic } from '@momentum-smoe/core';
import { type LmConfig, SmoeLanguageModel, loadWeights } from '@momentum-smoe/models';
import { UsageError } from '../args.js';
import { loadCheckpoint } from '../training/checkpoint.js';
import { assignFrom } from '../training/tensor-data.js';
import { BEST_CHECKPOINT } from '../training/run-options.js';
import type { LmRunConfig } from '../training/lm-trainer.js';

/** The vocabulary file of a run folder. */
export const VOCAB_FILE = 'vocab.txt';

/** Writes `words` (by id) as `dir/vocab.txt`, atomically. */
export async function writeVocab(dir: string, words: readonly string[]): Promise<void> {
  await writeFileAtomic(join(dir, VOCAB_FILE), words.join('\n') + '\n');
}

/** Reads a vocabulary file (one word per line, in id order). */
export function readVocab(file: string, command: string): string[] {
  if (!existsSync(file))
    throw new UsageError(
      `msmoe ${command}: ${file}: no vocabulary file ` +
        '(runs trained before vocab.txt was kept need retraining, or pass --vocab FILE)',
    );
  const text = readFileSync(file, 'utf8');
  return text.split('\n').slice(0, text.endsWith('\n') ? -1 : undefined);
}

/**
 * The model folders of a run: `dir` itself when it holds `best.safetensors`, else its `<variant>/seed-<s>/`
 * folders that do (a default or compare run), in name order.
 */
export function findRunModels(dir: string, command: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new UsageError(`msmoe ${command}: --run ${dir}: no such folder`);
  if (existsSync(join(dir, BEST_CHECKPOINT))) return [dir];
  const found: string[] = [];
  for (const variant of readdirSync(dir).sort()) {
    const vdir = join(dir, variant);
    if (!statSync(vdir).isDirectory()) continue;
    for (const seed of readdirSync(vdir).sort())
      if (existsSync(join(vdir, seed, BEST_CHECKPOINT))) found.push(join(vdir, seed));
  }
  if (found.length === 0)
    throw new UsageError(
      `msmoe ${command}: --run ${dir}: no ${BEST_CHECKPOINT} there or in <variant>/seed-<s>/ below it ` +
        '(train first: msmoe)',
    );
  return found;
}

/** A loaded model with its vocabulary. */
export interface RunModel {
  /** A short name: `<variant>/seed-<s>` or the file name. */
  name: string;
  model: SmoeLanguageModel;
  words: string[];
}

/**
 * Loads weights: a checkpoint written by `msmoe train` (its config inside) or official-name weights with `config`.
 * Checks that the vocabulary fits the model.
 */
export async function loadModel(
  weights: string,
  words: string[],
  config: LmConfig | undefined,
  command: string,
  name: string,
): Promise<RunModel> {
  if (!existsSync(weights)) throw new UsageError(`msmoe ${command}: ${weights}: no such file`);
  const { metadata } = await readSafetensors(weights);
  let model: SmoeLanguageModel;
  if (metadata.format === 'msmoe-checkpoint-1') {
    const ckpt = await loadCheckpoint<{ run: LmRunConfig }>(weights);
    model = new SmoeLanguageModel(config ?? ckpt.state.run.model, { rng: new Rng(0) });
    assignFrom(model.namedParameters(), ckpt.model, `checkpoint ${weights}`);
  } else {
    const fromFile = metadata.config === undefined ? undefined : (JSON.parse(metadata.config) as LmConfig);
    const chosen = config ?? fromFile;
    if (!chosen) throw new UsageError(`msmoe ${command}: ${weights} carries no model config; pass --config model.json`);
    model = new SmoeLanguageModel(chosen, { rng: new Rng(0) });
    await loadWeights(model, weights);
  }
  if (words.length !== model.config.vocab) {
    model.dispose();
    throw new UsageError(
      `msmoe ${command}: the vocabulary has ${words.length} words ` +
        `but the model ${name} has vocab ${model.config.vocab}; pass the run's own vocab.txt`,
    );
  }
  return { name, model, words };
}

/** Loads every model of a run folder ({@link findRunModels}) with its `vocab.txt`. */
export async function loadRunModels(dir: string, command: string): Promise<RunModel[]> {
  const folders = findRunModels(dir, command);
  const models: RunModel[] = [];
  for (const folder of folders) {
    const name =
      folder === dir
        ? folder.replace(/\/+$/, '').replace(/^.*\//, '')
        : folder.slice(dir.replace(/\/+$/, '').length + 1);
    models.push(
      await loadModel(
        join(folder, BEST_CHECKPOINT),
        readVocab(join(folder, VOCAB_FILE), command),
        undefined,
        command,
        name,
      ),
    );
  }
  return models;
}
