/**
 * Resolving `--preset NAME` or `--config model.json` into a language-model configuration and its optimiser settings.
 * @module
 */
import { readFileSync } from 'node:fs';
import { LM_PRESET_NAMES, VISION_PRESET_NAMES, lmPreset, validateLmConfig, type LmConfig, type LmOptimSettings } from '@momentum-smoe/models';
import { UsageError, closest } from '../args.js';

/** Defaults when a JSON config brings no optimiser settings: the tiny presets' recipe. */
const CONFIG_OPTIM: LmOptimSettings = { lr: 1e-3, warmup: 200, steps: 3000, batch: 16, batchSplit: 1 };

/** A resolved model: its config (vocab still to be set from the data) and optimiser settings. */
export interface ResolvedModel {
  name: string;
  model: LmConfig;
  optim: LmOptimSettings;
}

/** Reads `--preset` or `--config` (exactly one). */
export function resolveModel(command: string, preset: unknown, config: unknown, vocab?: number): ResolvedModel {
  if ((preset === undefined) === (config === undefined)) {
    throw new UsageError(`msmoe ${command}: give exactly one of --preset NAME or --config model.json (presets: ${LM_PRESET_NAMES.join(', ')})`);
  }
  const overrides = vocab === undefined ? {} : { vocab };
  if (preset !== undefined) {
    const name = String(preset);
    if (!LM_PRESET_NAMES.includes(name)) {
      const guess = closest(name, [...LM_PRESET_NAMES, ...VISION_PRESET_NAMES]);
      throw new UsageError(`msmoe ${command}: unknown preset '${name}'${guess ? `; did you mean '${guess}'?` : ''} (presets: ${[...LM_PRESET_NAMES, ...VISION_PRESET_NAMES].join(', ')})`);
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
  return { name: file.replace(/^.*\//, '').replace(/\.json$/, ''), model: validateLmConfig({ ...json, ...overrides }), optim: { ...CONFIG_OPTIM } };
}
