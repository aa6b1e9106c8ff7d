/**
 * Model presets: the official WikiText-103 scripts (docs/paper-notes.md#language-model-presets-and-training) and
 * small CPU-sized models for the embedded State of the Union corpus.
 * @module
 */
import { ConfigError } from '@momentum-smoe/core';
import { type LmConfig, validateLmConfig } from './config.js';

/** Optimiser settings of a preset (Adam, no weight decay, linear warm-up then a constant rate). */
export interface LmOptimSettings {
  /** Peak learning rate (`--lr`). */
  lr: number;
  /** Linear warm-up steps (`--lr-warmup`). */
  warmup: number;
  /** Training steps (`--niter` × `--nbatches` 1000). */
  steps: number;
  /** Parallel token streams per step (`--batch-sz`, global). */
  batch: number;
  /** Micro-batches per step for gradient accumulation (`--batch-split`). */
  batchSplit: number;
}

/** A named preset: a complete model configuration and its training settings. */
export interface LmPreset {
  /** Preset name (`smoe-medium`, …). */
  name: string;
  /** One line: what it is and where it comes from. */
  description: string;
  /** The model configuration. */
  model: LmConfig;
  /** The optimiser settings. */
  optim: LmOptimSettings;
}

/** WikiText-103's vocabulary size, the official presets' `vocab`. */
export const WIKITEXT103_VOCAB = 267_735;

const HB = { mu: 0.7, gamma2: 1.0, beta1: 0.9, beta2: 0.999 };
const SMALL = { layers: 3, dModel: 128, dHidden: 128, heads: 8, blockSize: 256, attnSpan: 256, dropout: 0.7 };
const MEDIUM = { layers: 6, dModel: 352, dHidden: 352, heads: 8, blockSize: 512, attnSpan: 1024, dropout: 0.1 };
const LARGE = { layers: 12, dModel: 512, dHidden: 512, heads: 8, blockSize: 1024, attnSpan: 2048, dropout: 0.1 };
const GLAM = {
  base: 'glam',
  layers: 6,
  dModel: 352,
  dHidden: 352,
  heads: 8,
  blockSize: 512,
  attnSpan: 2048,
  dropout: 0.1,
};
const TINY = { layers: 3, dModel: 128, dHidden: 128, heads: 4, blockSize: 64, attnSpan: 64, dropout: 0.1 };
const OPT_SMALL = { lr: 7e-4, warmup: 3000, steps: 60_000, batch: 96, batchSplit: 2 };
const OPT_MEDIUM = { lr: 7e-4, warmup: 4000, steps: 80_000, batch: 48, batchSplit: 2 };
const OPT_LARGE = { lr: 7e-4, warmup: 5000, steps: 80_000, batch: 24, batchSplit: 2 };
const OPT_GLAM = { lr: 7e-5, warmup: 4000, steps: 120_000, batch: 48, batchSplit: 2 };
const OPT_TINY = { lr: 1e-3, warmup: 200, steps: 3000, batch: 16, batchSplit: 1 };
const WT = { vocab: WIKITEXT103_VOCAB };
// Baseline scripts pass no momentum flags, so they run with config.py's defaults (μ 0.9, γ 1, β 0.9 / 0.999).
const DEFAULT_FLAGS = { mu: 0.9, gamma1: 1.0, gamma2: 1.0, beta1: 0.9, beta2: 0.999 };

const rep = (unit: string, n: number) => unit.repeat(n);

const TABLE: [string, string, Record<string, unknown>, LmOptimSettings][] = [
  ['smoe-small', 'SMoE-small, scripts/smoe-s.sh', { ...SMALL, ...WT, ...DEFAULT_FLAGS, arch: rep('sg', 3) }, OPT_SMALL],
  [
    'momentum-smoe-small',
    'MomentumSMoE-small, scripts/smoe-mom-s.sh',
    { ...SMALL, ...WT, ...HB, gamma1: 0.8, arch: rep('sm', 3) },
    OPT_SMALL,
  ],
  [
    'smoe-medium',
    'SMoE-medium, scripts/smoe-m.sh',
    { ...MEDIUM, ...WT, ...DEFAULT_FLAGS, arch: rep('sg', 6) },
    OPT_MEDIUM,
  ],
  [
    'momentum-smoe-medium',
    'MomentumSMoE-medium, scripts/smoe-mom-m.sh',
    { ...MEDIUM, ...WT, ...HB, gamma1: 1.0, arch: rep('sm', 6) },
    OPT_MEDIUM,
  ],
  [
    'adam-smoe-medium',
    'AdamSMoE-medium, scripts/smoe-adam-m.sh',
    { ...MEDIUM, ...WT, ...HB, gamma1: 1.0, arch: rep('sa', 6) },
    OPT_MEDIUM,
  ],
  [
    'smoe-large',
    'SMoE-large, scripts/smoe-l.sh',
    { ...LARGE, ...WT, ...DEFAULT_FLAGS, arch: rep('sg', 12) },
    OPT_LARGE,
  ],
  [
    'momentum-smoe-large',
    'MomentumSMoE-large, scripts/smoe-mom-l.sh',
    { ...LARGE, ...WT, ...HB, gamma1: 0.8, arch: rep('sm', 12) },
    OPT_LARGE,
  ],
  [
    'glam-medium',
    'GLaM-medium, scripts/glam-m.sh',
    { ...GLAM, ...WT, ...DEFAULT_FLAGS, arch: rep('sgsf', 6) },
    OPT_GLAM,
  ],
  [
    'momentum-glam-medium',
    'MomentumGLaM-medium, scripts/glam-mom-m.sh',
    { ...GLAM, ...WT, ...HB, gamma1: 0.8, arch: rep('smsf', 6) },
    OPT_GLAM,
  ],
  [
    'adam-glam-medium',
    'AdamGLaM-medium, scripts/glam-adam-m.sh',
    { ...GLAM, ...WT, ...HB, gamma1: 0.8, arch: rep('sasf', 6) },
    OPT_GLAM,
  ],
  [
    'smoe-tiny',
    'CPU-sized SMoE for the SOTU corpus (set vocab from the corpus)',
    { ...TINY, vocab: 10_000, ...HB, gamma1: 1.0, arch: rep('sg', 3) },
    OPT_TINY,
  ],
  [
    'momentum-smoe-tiny',
    'CPU-sized MomentumSMoE (μ 0.7, γ 1)',
    { ...TINY, vocab: 10_000, ...HB, gamma1: 1.0, arch: rep('sm', 3) },
    OPT_TINY,
  ],
  [
    'adam-smoe-tiny',
    'CPU-sized AdamSMoE (Adam in layer 0, heavy ball after)',
    { ...TINY, vocab: 10_000, ...HB, gamma1: 1.0, arch: rep('sa', 3) },
    OPT_TINY,
  ],
  [
    'robust-smoe-tiny',
    'CPU-sized Robust MomentumSMoE (our extension; κ 1.25, ρ 0.2)',
    { ...TINY, vocab: 10_000, ...HB, gamma1: 1.0, kappa: 1.25, rho: 0.2, arch: rep('sr', 3) },
    OPT_TINY,
  ],
];

/** Every preset name, in a stable order (official sizes first, then the CPU-sized ones). */
export const LM_PRESET_NAMES: readonly string[] = TABLE.map(([name]) => name);

/**
 * The preset `name` with `overrides` applied to its model configuration (validated again), e.g. the corpus's
 * vocabulary size for a tiny preset. Throws a `ConfigError` listing the valid names for an unknown one.
 * @example
 * ```ts
 * const { model, optim } = lmPreset('momentum-smoe-tiny', { vocab: corpus.vocab.size });
 * ```
 */
export function lmPreset(name: string, overrides: Partial<LmConfig> = {}): LmPreset {
  const row = TABLE.find(([n]) => n === name);
  if (!row) throw new ConfigError(`unknown model preset '${name}'; valid presets are ${LM_PRESET_NAMES.join(', ')}`);
  const [, description, model, optim] = row;
  return { name, description, model: validateLmConfig({ ...model, ...overrides }), optim: { ...optim } };
}
