/**
 * `@momentum-smoe/core`: backend set-up, modules and parameters, seeded initialisers, safetensors I/O, wasm kernel
 * patches, shape checks and typed errors. No model knowledge.
 * @packageDocumentation
 */
export { initBackend, describeBackend, type BackendChoice, type BackendReport, type InitBackendOptions } from './backend.js';
export { installWasmPatches } from './wasm/index.js';
export { groupedMatMul, groupedWeightGrad, type GroupedMatMulOptions } from './grouped-matmul.js';
export { MomentumSmoeError, ShapeError, ConfigError, FileFormatError, listSome } from './errors.js';
export { assertShape } from './shapes.js';
export { Rng, type RngState } from './rng.js';
export { uniformInit, normalInit, torchLinearInit, fastmoeExpertInit } from './init.js';
export { Module } from './module.js';
export { writeFileAtomic, makeDirectory, removeStaleTempFiles } from './atomic.js';
export {
  parseSafetensors,
  serializeSafetensors,
  readSafetensors,
  writeSafetensors,
  type TensorData,
  type Safetensors,
} from './safetensors.js';
