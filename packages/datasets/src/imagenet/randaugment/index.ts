/**
 * RandAugment on RGB bytes, matching the TensorFlow TPU models' `autoaugment.py` that V-MoE's input pipeline calls.
 * @module
 */
export * from './rgb-image.js';
export * from './pixel-ops.js';
export * from './enhance-ops.js';
export * from './geometric-ops.js';
export * from './policy.js';
