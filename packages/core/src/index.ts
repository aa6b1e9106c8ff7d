/**
 * `@momentum-smoe/core`: backend set-up, modules and parameters, seeded initialisers, safetensors I/O, wasm kernel
 * patches, shape checks and typed errors. No model knowledge.
 * @packageDocumentation
 */
export { initBackend, describeBackend, type BackendChoice, type BackendReport, type InitBackendOptions } from './backend.js';
export { installWasmPatches } from './wasm/index.js';
export { groupedMatMul, groupedWeightGrad, type GroupedMatMulOptions } from './grouped-matmul.js';
export { layerNorm, layerNormOps } from './layer-norm.js';
export { relativeSoftmax, relativeSoftmaxOps } from './relative-softmax.js';
export { softmaxNll, softmaxNllOps, softmaxNllGrad, softmaxNllGradOps, type SoftmaxNll } from './softmax-nll.js';
export { adamStep, adamStepOps, squaredNorm, type AdamStepOptions, type AdamStepResult } from './adam-step.js';
export { MomentumSmoeError, ShapeError, ConfigError, FileFormatError } from './errors.js';
export { assertShape } from './shapes.js';
export { Rng, type RngState } from './rng.js';
export { uniformInit, normalInit, torchLinearInit, fastmoeExpertInit } from './init.js';
export { Module } from './module.js';
export { writeFileAtomic } from './atomic.js';
export {
  parseSafetensors,
  serializeSafetensors,
  readSafetensors,
  writeSafetensors,
  type TensorData,
  type Safetensors,
} from './safetensors.js';
