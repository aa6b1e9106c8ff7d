/**
 * The configuration of a vision MoE (V-MoE or Soft MoE ViT) and its validation.
 * @module
 */
import { ConfigError } from '@momentum-smoe/core';

/** How the expert layers are routed. */
export type VisionRouterKind = 'noisy-top-k' | 'soft';

/** MoE settings shared by every MoE block of a {@link VisionMoEConfig}. */
export interface VisionMoESettings {
  /** Encoder block indices (0-based) whose MLP is an MoE, e.g. V-MoE's "Every 2" = (1, 3, 5, 7). */
  blocks: number[];
  /** `noisy-top-k` (V-MoE's `NoisyTopExpertsPerItemRouter`) or `soft` (Soft MoE slots). */
  router: VisionRouterKind;
  /** Experts E per MoE layer. */
  experts: number;
  /** Hidden width of each expert MLP (V-MoE: the dense MLP width). */
  expertHidden: number;
  /** Experts per token k (noisy-top-k only). */
  topK: number;
  /** Slots per expert (soft only). */
  slotsPerExpert: number;
  /**
   * Soft only: the published Soft MoE's normalised routing, L2-normalised tokens and slot parameters times a learned
   * scale (default false, plain dot products).
   */
  softNormalize?: boolean;
  /** Images per routing group: tokens of `groupSize` images are routed together (V-MoE: 8; Soft MoE: 1). */
  groupSize: number;
  /** Capacity factor in training and in evaluation (V-MoE: 1.05 and 4.0); noisy-top-k only. */
  capacityFactor: { train: number; eval: number };
  /** Batch-priority routing (V-MoE's BPR). The V-MoE paper configs train with it off. */
  batchPriority: boolean;
  /** Router noise multiplier: the noise std is `noiseStd / E` (V-MoE: 1). */
  noiseStd: number;
  /** Weights of the importance and load auxiliary losses (V-MoE: 0.005 each). */
  importanceLossWeight: number;
  loadLossWeight: number;
  /** Dropout inside the experts (V-MoE ImageNet: 0.2). */
  expertDropout: number;
}

/**
 * Momentum over depth, as the authors' V-MoE fork wires it
 * (docs/paper-notes.md#v-moe-blocks-and-momentum-wiring):
 * - `none`: plain V-MoE, blocks return `x + y`.
 * - `heavy-ball` (fork commit 2f980dd): MoE blocks `m = μm + γf`, return `LN(x − m)`; dense blocks return
 *   `LN(x + y)`.
 * - `robust` (fork HEAD, Cyrus et al. 2018 with code names permuted): lookahead `LN(x) + c·a·m` feeds every MLP,
 *   MoE blocks `m = −f + b·m`, return `LN(x + a·m)`; dense blocks return `LN(x + y)`.
 */
export type VisionMomentum =
  | { kind: 'none' }
  | { kind: 'heavy-ball'; mu: number; gamma: number }
  | { kind: 'robust'; kappa: number; rho: number; L: number };

/** Everything that defines a vision MoE model. */
export interface VisionMoEConfig {
  /** Preset or run name (for logs). */
  name: string;
  /** Square input side in pixels. */
  imageSize: number;
  patchSize: number;
  channels: number;
  numClasses: number;
  /** Encoder width d. */
  hidden: number;
  /** Width of the dense MLP blocks. */
  mlpDim: number;
  heads: number;
  /** Encoder blocks. */
  blocks: number;
  /** `token`: CLS token (V-MoE); `gap`: mean over patch tokens, no CLS (Soft MoE). */
  classifier: 'token' | 'gap';
  /** Width of the pre-logits `Dense + tanh`, or `null` for none. */
  representationSize: number | null;
  moe: VisionMoESettings;
  momentum: VisionMomentum;
}

const positiveInt = (v: number) => Number.isInteger(v) && v > 0;

/**
 * Checks a config and throws a {@link ConfigError} naming the field and the fix. Returns the config unchanged.
 * @example
 * ```ts
 * // throws: hidden 64 not a multiple of heads 3
 * const cfg = validateVisionConfig({ ...visionPreset('vmoe-mnist'), heads: 3 });
 * ```
 */
export function validateVisionConfig(cfg: VisionMoEConfig): VisionMoEConfig {
  const fail = (msg: string): never => {
    throw new ConfigError(`vision config '${cfg.name}': ${msg}`);
  };
  for (const key of [
    'imageSize',
    'patchSize',
    'channels',
    'numClasses',
    'hidden',
    'mlpDim',
    'heads',
    'blocks',
  ] as const) {
    if (!positiveInt(cfg[key])) fail(`${key} must be a positive integer, got ${cfg[key]}`);
  }
  if (cfg.imageSize % cfg.patchSize !== 0)
    fail(`imageSize ${cfg.imageSize} must be a multiple of patchSize ${cfg.patchSize}`);
  if (cfg.hidden % cfg.heads !== 0) fail(`hidden ${cfg.hidden} must be a multiple of heads ${cfg.heads}`);
  if (cfg.classifier !== 'token' && cfg.classifier !== 'gap')
    fail(`classifier must be 'token' or 'gap', got '${String(cfg.classifier)}'`);
  if (cfg.representationSize !== null && !positiveInt(cfg.representationSize)) {
    fail(`representationSize must be a positive integer or null, got ${cfg.representationSize}`);
  }
  const m = cfg.moe;
  const seen = new Set<number>();
  for (const b of m.blocks) {
    if (!Number.isInteger(b) || b < 0 || b >= cfg.blocks)
      fail(`moe.blocks entry ${b} is not a block index in [0, ${cfg.blocks})`);
    if (seen.has(b)) fail(`moe.blocks lists block ${b} twice`);
    seen.add(b);
  }
  if (m.router !== 'noisy-top-k' && m.router !== 'soft')
    fail(`moe.router must be 'noisy-top-k' or 'soft', got '${String(m.router)}'`);
  for (const key of ['experts', 'expertHidden', 'groupSize'] as const) {
    if (!positiveInt(m[key])) fail(`moe.${key} must be a positive integer, got ${m[key]}`);
  }
  if (m.router === 'noisy-top-k') {
    if (!positiveInt(m.topK) || m.topK > m.experts)
      fail(`moe.topK must be an integer in [1, experts=${m.experts}], got ${m.topK}`);
    if (!(m.capacityFactor.train > 0) || !(m.capacityFactor.eval > 0)) {
      fail(`moe.capacityFactor train/eval must be > 0, got ${m.capacityFactor.train}/${m.capacityFactor.eval}`);
    }
    if (!(m.noiseStd >= 0)) fail(`moe.noiseStd must be ≥ 0, got ${m.noiseStd}`);
  } else if (!positiveInt(m.slotsPerExpert)) {
    fail(`moe.slotsPerExpert must be a positive integer, got ${m.slotsPerExpert}`);
  }
  if (!(m.expertDropout >= 0 && m.expertDropout < 1))
    fail(`moe.expertDropout must be in [0, 1), got ${m.expertDropout}`);
  if (!(m.importanceLossWeight >= 0) || !(m.loadLossWeight >= 0)) fail('moe aux-loss weights must be ≥ 0');
  const mom = cfg.momentum;
  if (mom.kind === 'heavy-ball') {
    if (!(mom.mu >= 0 && mom.mu < 1)) fail(`momentum.mu must be in [0, 1), got ${mom.mu}`);
    if (!(mom.gamma > 0)) fail(`momentum.gamma must be > 0, got ${mom.gamma}`);
  } else if (mom.kind === 'robust') {
    if (!(mom.kappa > 1)) fail(`momentum.kappa must be > 1 (condition number), got ${mom.kappa}`);
    if (!(mom.rho > 0 && mom.rho < 1)) fail(`momentum.rho must be in (0, 1), got ${mom.rho}`);
    if (!(mom.L > 0)) fail(`momentum.L must be > 0, got ${mom.L}`);
  } else if (mom.kind !== 'none') {
    fail(`momentum.kind must be 'none', 'heavy-ball' or 'robust', got '${String((mom as { kind: unknown }).kind)}'`);
  }
  if (mom.kind !== 'none' && m.blocks.length === 0)
    fail(`momentum '${mom.kind}' needs at least one MoE block in moe.blocks`);
  return cfg;
}
