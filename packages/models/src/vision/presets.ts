/**
 * Named vision configurations: the paper's ImageNet V-MoE S/32 and B/32
 * (docs/paper-notes.md#v-moe-imagenet-recipe) and small MNIST models that train on a CPU, each with its momentum
 * variants.
 * @module
 */
import { ConfigError } from '@momentum-smoe/core';
import type { VisionMoEConfig, VisionMoESettings, VisionMomentum } from './config.js';

/** Every preset name {@link visionPreset} accepts. */
export const VISION_PRESET_NAMES = [
  'vmoe-s32',
  'momentum-vmoe-s32',
  'robust-vmoe-s32',
  'vmoe-b32',
  'momentum-vmoe-b32',
  'robust-vmoe-b32',
  'vmoe-mnist',
  'momentum-vmoe-mnist',
  'robust-vmoe-mnist',
  'softmoe-mnist',
  'momentum-softmoe-mnist',
] as const;

/** A preset name. */
export type VisionPresetName = (typeof VISION_PRESET_NAMES)[number];

/** MomentumV-MoE, heavy ball (fork commit 2f980dd, run "vmoe_mom_LN_08"): μ = 0.8, γ = 1. */
const HEAVY_BALL: VisionMomentum = { kind: 'heavy-ball', mu: 0.8, gamma: 1 };
/** Robust MomentumV-MoE (fork HEAD `common.py`): ρ = 0.2, κ = 1.25, L = 1. */
const ROBUST: VisionMomentum = { kind: 'robust', kappa: 1.25, rho: 0.2, L: 1 };

/** V-MoE's router and MoE settings (`common.py` + the S/32 and B/32 configs). */
function vmoeSettings(
  blocks: number,
  expertHidden: number,
  overrides: Partial<VisionMoESettings> = {},
): VisionMoESettings {
  return {
    // "Every 2": range(1, num_layers, 2), i.e. the odd blocks.
    blocks: Array.from({ length: Math.floor(blocks / 2) }, (_, i) => 2 * i + 1),
    router: 'noisy-top-k',
    experts: 8,
    expertHidden,
    topK: 2,
    slotsPerExpert: 1,
    groupSize: 8,
    capacityFactor: { train: 1.05, eval: 4.0 },
    batchPriority: false, // common.py: "By default we don't use batch priority for training the model."
    noiseStd: 1,
    importanceLossWeight: 0.005,
    loadLossWeight: 0.005,
    expertDropout: 0.2,
    ...overrides,
  };
}

function imagenet(variant: 'S' | 'B', name: string, momentum: VisionMomentum): VisionMoEConfig {
  const [hidden, mlpDim, heads, blocks] = variant === 'S' ? [512, 2048, 8, 8] : [768, 3072, 12, 12];
  return {
    name,
    imageSize: 224,
    patchSize: 32,
    channels: 3,
    numClasses: 1000,
    hidden,
    mlpDim,
    heads,
    blocks,
    classifier: 'token',
    representationSize: hidden,
    moe: vmoeSettings(blocks, mlpDim),
    momentum,
  };
}

/** A 4-block ViT for 28×28 MNIST: patch 7 (16 patches + CLS), hidden 64, 4 heads, MLP 128. */
function mnist(name: string, moe: VisionMoESettings, momentum: VisionMomentum, soft: boolean): VisionMoEConfig {
  return {
    name,
    imageSize: 28,
    patchSize: 7,
    channels: 1,
    numClasses: 10,
    hidden: 64,
    mlpDim: 128,
    heads: 4,
    blocks: 4,
    classifier: soft ? 'gap' : 'token',
    representationSize: soft ? null : 64,
    moe,
    momentum,
  };
}

const VMOE_MNIST = vmoeSettings(4, 128, { experts: 4, expertDropout: 0 });
/**
 * Soft MoE (Puigcerver et al. 2023): MoE in the second half of the blocks, routing per image (group = 1 image),
 * mean pooling, no pre-logits. 8 experts × 2 slots = 16 slots for 16 tokens. No capacity, noise or aux losses.
 * Routing as published: L2-normalised tokens and slot parameters with a learned scale.
 */
const SOFT_MNIST: VisionMoESettings = {
  ...VMOE_MNIST,
  blocks: [2, 3],
  router: 'soft',
  experts: 8,
  slotsPerExpert: 2,
  groupSize: 1,
  softNormalize: true,
};

const BUILDERS: Record<VisionPresetName, () => VisionMoEConfig> = {
  'vmoe-s32': () => imagenet('S', 'vmoe-s32', { kind: 'none' }),
  'momentum-vmoe-s32': () => imagenet('S', 'momentum-vmoe-s32', HEAVY_BALL),
  'robust-vmoe-s32': () => imagenet('S', 'robust-vmoe-s32', ROBUST),
  'vmoe-b32': () => imagenet('B', 'vmoe-b32', { kind: 'none' }),
  'momentum-vmoe-b32': () => imagenet('B', 'momentum-vmoe-b32', HEAVY_BALL),
  'robust-vmoe-b32': () => imagenet('B', 'robust-vmoe-b32', ROBUST),
  'vmoe-mnist': () => mnist('vmoe-mnist', VMOE_MNIST, { kind: 'none' }, false),
  'momentum-vmoe-mnist': () => mnist('momentum-vmoe-mnist', VMOE_MNIST, HEAVY_BALL, false),
  'robust-vmoe-mnist': () => mnist('robust-vmoe-mnist', VMOE_MNIST, ROBUST, false),
  'softmoe-mnist': () => mnist('softmoe-mnist', SOFT_MNIST, { kind: 'none' }, true),
  // Momentum-Soft MoE's placement is NOT FOUND in the paper: heavy ball over the Soft MoE blocks, wired as
  // MomentumV-MoE.
  'momentum-softmoe-mnist': () => mnist('momentum-softmoe-mnist', SOFT_MNIST, HEAVY_BALL, true),
};

/**
 * A fresh copy of a named configuration (edit it freely before building a model).
 * @param name a preset name: any string type-checks (editors still complete the known ones); an unknown one throws.
 * @throws ConfigError for an unknown name, listing the known ones.
 * @example
 * ```ts
 * const base = visionPreset('vmoe-mnist');
 * const model = new VisionMoE({ ...base, blocks: 2, moe: { ...base.moe, blocks: [1] } });
 * ```
 */
export function visionPreset(name: VisionPresetName | (string & {})): VisionMoEConfig {
  const build = (BUILDERS as Record<string, (() => VisionMoEConfig) | undefined>)[name];
  if (!build) throw new ConfigError(`unknown vision preset '${name}': use one of ${VISION_PRESET_NAMES.join(', ')}`);
  return structuredClone(build());
}
