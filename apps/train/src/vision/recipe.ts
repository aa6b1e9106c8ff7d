/**
 * The training recipe of a vision preset: V-MoE's (docs/paper-notes.md#v-moe-imagenet-recipe) optimiser and
 * augmentations (docs/vision-recipe.md) for the ImageNet presets, a short CPU-sized schedule for the MNIST ones.
 * @module
 */
import type { MixupOptions, RandAugmentOptions } from '@momentum-smoe/datasets';

/** Training augmentations of an image-folder run (MNIST runs use none). */
export interface VisionAugment {
  /** Inception crop: the crop's area as a fraction of the image's, sampled in this range (V-MoE: 5%–100%). */
  cropArea: [number, number];
  /** RandAugment layers and magnitude, or null for none (V-MoE light1: 2, 10). */
  randAugment: RandAugmentOptions | null;
  /** Mixup, or null for none (V-MoE light1: concentration 0.2 over 2 images, labels mixed too). */
  mixup: MixupOptions | null;
}

/** V-MoE's `light1` augmentation (`vmoe_s32_last2_ilsvrc2012_randaug_light1`): the paper's ImageNet runs. */
export const VMOE_LIGHT1: VisionAugment = {
  cropArea: [0.05, 1],
  randAugment: { layers: 2, magnitude: 10 },
  mixup: { concentration: 0.2, size: 2 },
};

/** Optimiser and schedule settings of a vision run. */
export interface VisionRecipe {
  /** Peak learning rate, reached after `warmup` steps, then decayed linearly to `endLr` at `steps`. */
  lr: number;
  /** Linear warm-up steps. */
  warmup: number;
  /** Learning rate at the last step. */
  endLr: number;
  /** Optimiser steps. */
  steps: number;
  /** Images per step. */
  batch: number;
  /** Decoupled weight decay on kernels only (scaled by the learning rate, as optax's `add_decayed_weights`). */
  weightDecay: number;
  /** Global gradient-norm clip. */
  clipNorm: number;
  /** Evaluate (and checkpoint) every this many steps. */
  evalEvery: number;
  /** Log routing statistics every this many steps. */
  logEvery: number;
  /** Image-folder training augmentations (null: none; MNIST). */
  augment: VisionAugment | null;
}

/** ILSVRC-2012 `train[:99%]` images, V-MoE's training split. */
const IMAGENET_TRAIN_99 = 1_268_355;

/**
 * The recipe for a vision preset name. ImageNet (`*-s32`, `*-b32`): Adam, peak lr 3e-3 (the MomentumSMoE config's
 * override), 10k warm-up steps, linear decay to 1e-5, weight decay 0.1, clip 1.0, batch 8192, 300 epochs, the light1
 * augmentations ({@link VMOE_LIGHT1}). MNIST
 * (`*-mnist`): peak lr 3e-3, 30 warm-up steps, 600 steps of 128 digits, weight decay 0.01 (a short run needs less).
 * @example
 * ```ts
 * visionRecipe('momentum-vmoe-mnist').lr; // 0.003
 * ```
 */
export function visionRecipe(preset: string): VisionRecipe {
  if (preset.endsWith('-mnist')) {
    // 600 × 128 digits ≈ 10 epochs of the 8,000 training digits: vmoe-mnist (seed 1) reached 92.6 % held-out top-1
    // (76.4 / 88.4 / 90.3 % at steps 150 / 300 / 450), see docs/vision-recipe.md.
    return {
      lr: 3e-3,
      warmup: 30,
      endLr: 1e-5,
      steps: 600,
      batch: 128,
      weightDecay: 0.01,
      clipNorm: 1,
      evalEvery: 150,
      logEvery: 25,
      augment: null,
    };
  }
  const batch = 8192;
  return {
    lr: 3e-3,
    warmup: 10_000,
    endLr: 1e-5,
    steps: Math.round((300 * IMAGENET_TRAIN_99) / batch),
    batch,
    weightDecay: 0.1,
    clipNorm: 1,
    evalEvery: 1000,
    logEvery: 100,
    augment: VMOE_LIGHT1,
  };
}
