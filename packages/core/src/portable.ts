/**
 * The part of `@momentum-smoe/core` that runs anywhere tfjs runs (Node and browsers): kernels and their patches,
 * modules, initialisers, errors and safetensors bytes. `index.ts` (Node) and `browser.ts` add their file functions.
 * @module
 */
export { installWasmPatches } from './wasm/index.js';
export { groupedMatMul, groupedWeightGrad, type GroupedMatMulOptions } from './grouped-matmul.js';
export { layerNorm, layerNormOps } from './layer-norm.js';
export { relativeSoftmax, relativeSoftmaxOps, skewOps, type RelativeSoftmaxOptions } from './relative-softmax.js';
export { seededDropout, seededDropoutOps, seededDropoutMask } from './dropout.js';
export { softmaxNll, softmaxNllOps, softmaxNllGrad, softmaxNllGradOps, type SoftmaxNll } from './softmax-nll.js';
export {
  softmaxWithNll,
  softmaxWithNllOps,
  softmaxProbsNllGrad,
  softmaxProbsNllGradOps,
  type SoftmaxWithNll,
  type SoftmaxProbsNllGrad,
} from './softmax-probs.js';
export { adamStep, adamStepOps, squaredNorm, type AdamStepOptions, type AdamStepResult } from './adam-step.js';
export { MomentumSmoeError, ShapeError, ConfigError, FileFormatError, listSome } from './errors.js';
export { assertShape } from './shapes.js';
export { Rng, type RngState } from './rng.js';
export { uniformInit, normalInit, torchLinearInit, fastmoeExpertInit } from './init.js';
export { Module } from './module.js';
export { parseSafetensors, serializeSafetensors, type TensorData, type Safetensors } from './safetensors-bytes.js';
