/**
 * Language-model configuration: a JSON object whose field names follow the official training flags
 * (`--base_arch`, `--architecture`, `--nlayers`, `--hid-sz`, …), validated into a complete {@link LmConfig}, and the
 * architecture string parsed into one {@link LayerSpec} per layer.
 * @module
 */
import { ConfigError } from '@momentum-smoe/core';

/**
 * What follows the attention sublayer in a layer: `g` SMoE, `m` MomentumSMoE (heavy ball), `a` AdamSMoE,
 * `r` Robust MomentumSMoE (our extension: Cyrus et al.'s robust momentum in an LM layer; not in the official code),
 * `f` dense feed-forward (GLaM's second layer of each pair).
 */
export type SublayerKind = 'g' | 'm' | 'a' | 'r' | 'f';

/** One layer of the stack: attention, then one sublayer. */
export interface LayerSpec {
  /** The sublayer after attention. */
  sublayer: SublayerKind;
  /**
   * The official `layerth` of this layer: its index for `base: 'transformer'`, its pair index for `base: 'glam'`.
   * AdamSMoE applies Adam only where this is 0.
   */
  layerth: number;
}

/** A complete language-model configuration (see {@link validateLmConfig} for defaults). */
export interface LmConfig {
  /** `--base_arch`: `transformer` (2 characters per layer) or `glam` (4 characters per pair of layers). */
  base: 'transformer' | 'glam';
  /** `--architecture`, e.g. `sgsgsg`, `smsmsm`, `sasfsasf`. */
  arch: string;
  /** `--nlayers`: layers for `transformer`, pairs of layers for `glam` (as in the official code). */
  layers: number;
  /** `--hid-sz`: model width H. */
  hidden: number;
  /** `--inner-hid-sz`: expert / feed-forward hidden width. */
  inner: number;
  /** `--nheads`: attention heads; must divide `hidden`. */
  heads: number;
  /** `--block-sz`: tokens per block M. */
  blockSize: number;
  /** `--attn-span`: how many previous positions L each query sees (also the cache length). */
  attnSpan: number;
  /** Experts per MoE layer E (the official code hard-codes 16). */
  experts: number;
  /** `--moe_top_k`: experts per token. */
  topK: number;
  /** `--dropout`: attention probabilities, expert hidden layer, MoE output, feed-forward hidden layer. */
  dropout: number;
  /** `--mu`: heavy-ball momentum μ. */
  mu: number;
  /** `--gamma1`: Adam step size γ1. */
  gamma1: number;
  /** `--gamma2`: heavy-ball step size γ2. */
  gamma2: number;
  /** `--beta1`: Adam first-moment decay. */
  beta1: number;
  /** `--beta2`: Adam second-moment decay. */
  beta2: number;
  /** Robust momentum condition number κ > 1 (our extension, for `r` layers). */
  kappa: number;
  /** Robust momentum target rate ρ (our extension, for `r` layers). */
  rho: number;
  /**
   * `--load_balance`: weight of the SMoE balance loss in `auxLoss`. The scripts pass 0.01 but the released code never
   * computes the loss (docs/paper-notes.md#load-balancing-loss), so the default and every preset use 0, which is what was trained.
   */
  loadBalance: number;
  /** Vocabulary size V. */
  vocab: number;
}

const DEFAULTS = {
  base: 'transformer',
  heads: 8,
  experts: 16,
  topK: 2,
  dropout: 0.1,
  mu: 0.7,
  gamma1: 1.0,
  gamma2: 1.0,
  beta1: 0.9,
  beta2: 0.999,
  kappa: 1.25,
  rho: 0.2,
  loadBalance: 0,
} as const;

const REQUIRED = ['arch', 'layers', 'hidden', 'blockSize', 'attnSpan', 'vocab'] as const;
const FIELDS: readonly (keyof LmConfig)[] = [
  'base', 'arch', 'layers', 'hidden', 'inner', 'heads', 'blockSize', 'attnSpan', 'experts', 'topK',
  'dropout', 'mu', 'gamma1', 'gamma2', 'beta1', 'beta2', 'kappa', 'rho', 'loadBalance', 'vocab',
];
const INTEGER_FIELDS = ['layers', 'hidden', 'inner', 'heads', 'blockSize', 'attnSpan', 'experts', 'topK', 'vocab'] as const;
const REAL_FIELDS = ['dropout', 'mu', 'gamma1', 'gamma2', 'beta1', 'beta2', 'kappa', 'rho', 'loadBalance'] as const;

/**
 * Validates a (possibly partial) configuration object and fills defaults: `base` transformer, `inner` = `hidden`,
 * `heads` 8, `experts` 16, `topK` 2, `dropout` 0.1, `mu` 0.7, `gamma1` = `gamma2` = 1, `beta1` 0.9, `beta2` 0.999,
 * `kappa` 1.25, `rho` 0.2, `loadBalance` 0. `arch`, `layers`, `hidden`, `blockSize`, `attnSpan` and `vocab` are required.
 * Throws a `ConfigError` naming an unknown field (and listing the valid ones), a missing or out-of-range value,
 * or an architecture string that does not fit `layers`.
 * @example
 * ```ts
 * const config = validateLmConfig({ arch: 'smsm', layers: 2, hidden: 64, blockSize: 32, attnSpan: 32, vocab: 100 });
 * config.inner; // 64
 * ```
 */
export function validateLmConfig(input: Record<string, unknown>): LmConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ConfigError('model config: expected a JSON object');
  }
  for (const key of Object.keys(input)) {
    if (!(FIELDS as readonly string[]).includes(key)) {
      throw new ConfigError(`model config: unknown field '${key}'; valid fields are ${FIELDS.join(', ')}`);
    }
  }
  for (const key of REQUIRED) {
    if (input[key] === undefined) throw new ConfigError(`model config: missing required field '${key}'`);
  }
  const hidden = input.hidden;
  const merged = { ...DEFAULTS, inner: hidden, ...input } as Record<string, unknown>;
  for (const key of INTEGER_FIELDS) {
    const v = merged[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new ConfigError(`model config: '${key}' must be a positive integer, got ${JSON.stringify(v)}`);
    }
  }
  for (const key of REAL_FIELDS) {
    const v = merged[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new ConfigError(`model config: '${key}' must be a finite number, got ${JSON.stringify(v)}`);
    }
  }
  const config = merged as unknown as LmConfig;
  if (config.base !== 'transformer' && config.base !== 'glam') {
    throw new ConfigError(`model config: 'base' must be 'transformer' or 'glam', got ${JSON.stringify(config.base)}`);
  }
  if (typeof config.arch !== 'string') throw new ConfigError(`model config: 'arch' must be a string`);
  if (config.hidden % config.heads !== 0) {
    throw new ConfigError(`model config: 'heads' (${config.heads}) must divide 'hidden' (${config.hidden})`);
  }
  if (config.topK > config.experts) {
    throw new ConfigError(`model config: 'topK' (${config.topK}) exceeds 'experts' (${config.experts})`);
  }
  if (!(config.dropout >= 0 && config.dropout < 1)) {
    throw new ConfigError(`model config: 'dropout' must be in [0, 1), got ${config.dropout}`);
  }
  if (!(config.loadBalance >= 0)) throw new ConfigError(`model config: 'loadBalance' must be ≥ 0, got ${config.loadBalance}`);
  if (!(config.kappa > 1)) throw new ConfigError(`model config: 'kappa' must be > 1, got ${config.kappa}`);
  parseArch(config.base, config.arch, config.layers);
  return config;
}

/**
 * Parses an official architecture string into one {@link LayerSpec} per layer. `transformer`: 2 characters per layer,
 * `s` then one of `g m a r`. `glam`: 4 characters per pair, `s` + one of `g m a r`, then `s` + `f`.
 * Mixing two different momentum kinds (`m`, `a`, `r`) is rejected: their states differ (the official code would
 * crash on it); `g` layers mix with any of them and pass the state on unchanged.
 * @example
 * ```ts
 * parseArch('glam', 'smsf', 1); // [{ sublayer: 'm', layerth: 0 }, { sublayer: 'f', layerth: 0 }]
 * ```
 */
export function parseArch(base: LmConfig['base'], arch: string, layers: number): LayerSpec[] {
  const per = base === 'glam' ? 4 : 2;
  const unit = base === 'glam' ? 'pair' : 'layer';
  if (arch.length !== per * layers) {
    throw new ConfigError(
      `architecture '${arch}' has ${arch.length} characters but base '${base}' with layers=${layers} needs ` +
        `${per * layers} (${per} per ${unit}); fix 'arch' or 'layers'`,
    );
  }
  const bad = (pos: number, expected: string) =>
    new ConfigError(
      `architecture '${arch}': bad character '${arch[pos]}' at position ${pos} (${unit} ${Math.floor(pos / per)}); ` +
        `expected ${expected}`,
    );
  const specs: LayerSpec[] = [];
  for (let i = 0; i < layers; i++) {
    const at = per * i;
    if (arch[at] !== 's') throw bad(at, "'s' (attention)");
    const moe = arch[at + 1]!;
    if (!'gmar'.includes(moe)) throw bad(at + 1, "one of 'g' (SMoE), 'm' (Momentum), 'a' (Adam), 'r' (Robust momentum)");
    specs.push({ sublayer: moe as SublayerKind, layerth: i });
    if (base === 'glam') {
      if (arch[at + 2] !== 's') throw bad(at + 2, "'s' (attention)");
      if (arch[at + 3] !== 'f') throw bad(at + 3, "'f' (dense feed-forward)");
      specs.push({ sublayer: 'f', layerth: i });
    }
  }
  const kinds = new Set(specs.map((s) => s.sublayer).filter((k) => k === 'm' || k === 'a' || k === 'r'));
  if (kinds.size > 1) {
    throw new ConfigError(`architecture '${arch}' mixes momentum kinds ${[...kinds].join(', ')}; use one of them`);
  }
  return specs;
}
