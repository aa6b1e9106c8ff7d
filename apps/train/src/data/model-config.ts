/**
 * Resolving `--preset NAME` or `--config model.json` into a language-model configuration and its optimiser settings.
 * @module
 */
import { readFileSync } from 'node:fs';
import {
  LM_PRESET_NAMES,
  VISION_PRESET_NAMES,
  lmPreset,
  validateLmConfig,
  type LmConfig,
  type LmOptimSettings,
} from '@momentum-smoe/models';
import { listSome } from '@momentum-smoe/core';
import { UsageError, closest } from '../args.js';

/** Defaults when a JSON config (or weights' carried config) brings no optimiser settings: the tiny presets' recipe. */
export const CONFIG_OPTIM: LmOptimSettings = { lr: 1e-3, warmup: 200, steps: 3000, batch: 16, batchSplit: 1 };

/** A resolved model: its config (vocab still to be set from the data) and optimiser settings. */
export interface ResolvedModel {
  name: string;
  model: LmConfig;
  optim: LmOptimSettings;
}

/** Reads `--preset` or `--config` (exactly one). */
export function resolveModel(
  command: string,
  preset: string | boolean | undefined,
  config: string | boolean | undefined,
  vocab?: number,
): ResolvedModel {
  if ((preset === undefined) === (config === undefined)) {
    throw new UsageError(
      `msmoe ${command}: give exactly one of --preset NAME or --config model.json ` +
        `(presets: ${LM_PRESET_NAMES.join(', ')})`,
    );
  }
  const overrides = vocab === undefined ? {} : { vocab };
  if (preset !== undefined) {
    const name = String(preset);
    if (!LM_PRESET_NAMES.includes(name)) {
      const guess = closest(name, [...LM_PRESET_NAMES, ...VISION_PRESET_NAMES]);
      throw new UsageError(
        `msmoe ${command}: unknown preset '${name}'${guess ? `; did you mean '${guess}'?` : ''} ` +
          `(presets: ${[...LM_PRESET_NAMES, ...VISION_PRESET_NAMES].join(', ')})`,
      );
    }
    const p = lmPreset(name, overrides);
    return { name, model: p.model, optim: p.optim };
  }
  const file = String(config);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`msmoe ${command}: cannot read --config ${file}: ${(e as Error).message}`);
  }
  return {
    name: file.replace(/^.*\//, '').replace(/\.json$/, ''),
    model: validateLmConfig({ ...json, ...overrides }),
    optim: { ...CONFIG_OPTIM },
  };
}

/** The fields on which two configs differ, as `field a vs b` (fields of either; order of `a`). */
export function configDifferences(a: object, b: object): string[] {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])];
  return keys
    .filter((k) => JSON.stringify(x[k]) !== JSON.stringify(y[k]))
    .map((k) => `${k} ${JSON.stringify(x[k])} vs ${JSON.stringify(y[k])}`);
}

/** A model config that weights carry: a checkpoint's run, or the `config` metadata of official-named weights. */
export interface CarriedConfig {
  /** Where it came from, for messages (e.g. `checkpoint runs/a/best.safetensors (momentum-smoe-tiny)`). */
  source: string;
  model: LmConfig;
}

/**
 * The config to build for weights: the one they carry, which `--preset`/`--config` may confirm but not contradict
 * (a contradiction is one error naming both and the differing fields); without a carried config, the flag's.
 */
export function configForWeights(
  command: string,
  carried: CarriedConfig | undefined,
  preset: string | boolean | undefined,
  config: string | boolean | undefined,
): LmConfig {
  if (!carried) return resolveModel(command, preset, config).model;
  if (preset === undefined && config === undefined) return carried.model;
  const given = resolveModel(command, preset, config, carried.model.vocab);
  const flag = preset !== undefined ? `--preset ${String(preset)}` : `--config ${String(config)}`;
  const differences = configDifferences(carried.model, given.model);
  if (differences.length === 0) return carried.model;
  throw new UsageError(
    `msmoe ${command}: ${flag} contradicts the config carried by ${carried.source} (${listSome(differences)}); ` +
      `drop ${flag.split(' ')[0]} to use the weights as what they are, or give the weights that ${flag} describes`,
  );
}

/** The config that official-named weights carry in their `config` metadata (written by `saveWeights`), if any. */
export function metadataConfig(file: string, metadata: Record<string, string>): CarriedConfig | undefined {
  if (metadata.config === undefined) return undefined;
  try {
    const model = validateLmConfig(JSON.parse(metadata.config) as Record<string, unknown>);
    return { source: `${file}${metadata.preset ? ` (${metadata.preset})` : ''}`, model };
  } catch (e) {
    throw new UsageError(`msmoe: ${file}: its "config" metadata is not a valid model config (${(e as Error).message})`);
  }
}
