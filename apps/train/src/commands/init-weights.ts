/**
 * `msmoe train --init W.safetensors`: fine-tuning starts from official-named weights (a converted official checkpoint
 * or `saveWeights` output) or from an msmoe checkpoint. Weights that carry their config supply it when neither
 * `--preset` nor `--config` is given; either way the weights are checked against the run's model (every missing,
 * unexpected or mis-shaped tensor, in one line) before the run folder is touched.
 * @module
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Rng, readSafetensors, type TensorData } from '@momentum-smoe/core';
import {
  SmoeLanguageModel,
  VisionMoE,
  loadOfficialStateDict,
  type LmConfig,
  type VisionMoEConfig,
} from '@momentum-smoe/models';
import { UsageError } from '../args.js';
import { metadataConfig, type CarriedConfig } from '../data/model-config.js';
import { loadCheckpoint } from '../training/checkpoint.js';
import type { LmRunConfig } from '../training/lm-trainer.js';
import { assignFrom, toTensorData } from '../training/tensor-data.js';
import type { VisionRunConfig } from '../training/vision-trainer.js';

/** Weights to start a run from, as read from the file. */
export interface InitWeights {
  /** Absolute path (what run.json records). */
  file: string;
  /** `checkpoint`: msmoe's own names (`model/<name>`); `official`: the PyTorch state_dict names. */
  kind: 'checkpoint' | 'official';
  tensors: Map<string, TensorData>;
  /** The language-model config the weights carry, if any. */
  carried?: CarriedConfig;
  /** The optimiser settings of the run that wrote a checkpoint (defaults for the fine-tuning run). */
  carriedRun?: LmRunConfig;
  /** True for a vision checkpoint. */
  vision: boolean;
}

/** Reads `--init FILE`. A missing file is a UsageError; a damaged one a FileFormatError naming it. */
export async function readInitWeights(file: string): Promise<InitWeights> {
  if (!existsSync(file)) throw new UsageError(`msmoe train: --init ${file}: no such file`);
  const absolute = resolve(file);
  const { metadata, tensors } = await readSafetensors(absolute);
  if (metadata.format !== 'msmoe-checkpoint-1') {
    const carried = metadataConfig(absolute, metadata);
    return { file: absolute, kind: 'official', tensors, vision: false, ...(carried ? { carried } : {}) };
  }
  const ckpt = await loadCheckpoint<{ run: LmRunConfig | VisionRunConfig }>(absolute);
  const run = ckpt.state.run;
  if ('patchSize' in run.model) return { file: absolute, kind: 'checkpoint', tensors: ckpt.model, vision: true };
  const lm = run as LmRunConfig;
  const carried = { source: `checkpoint ${absolute} (${lm.name})`, model: lm.model };
  return { file: absolute, kind: 'checkpoint', tensors: ckpt.model, vision: false, carried, carriedRun: lm };
}

/**
 * The initial parameter values (by msmoe's names) for a run of `model`: the weights assigned to a model built from
 * the run's config, which checks every name and shape, then read back.
 * @throws ConfigError (checkpoint) or FileFormatError (official names) listing the mismatches.
 */
export async function initialValues(
  init: InitWeights,
  model: LmConfig | VisionMoEConfig,
): Promise<Map<string, TensorData>> {
  const what = `--init ${init.file}`;
  if ('patchSize' in model !== init.vision) {
    const [has, wants] = init.vision ? ['vision', 'language'] : ['language', 'vision'];
    throw new UsageError(`msmoe train: ${what} holds a ${has} model but the run trains a ${wants} model`);
  }
  const built =
    'patchSize' in model ? new VisionMoE(model, { seed: 0 }) : new SmoeLanguageModel(model, { rng: new Rng(0) });
  try {
    if (init.kind === 'official') loadOfficialStateDict(built as SmoeLanguageModel, init.tensors, init.file);
    else assignFrom(built.namedParameters(), init.tensors, what);
    return await toTensorData(built.namedParameters() as Map<string, tf.Tensor>);
  } finally {
    built.dispose();
  }
}
