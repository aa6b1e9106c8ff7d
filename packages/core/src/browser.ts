/**
 * `@momentum-smoe/core` for browsers (the `browser` export condition): everything but the Node back-end selection
 * (`initBackend`, which loads tfjs-node packages from disk); safetensors from and to bytes; the file functions throw
 * (see browser-files.ts). Pages load `@tensorflow/tfjs-backend-wasm`, set its wasm paths, `tf.setBackend('wasm')`,
 * then call {@link installWasmPatches}.
 * @packageDocumentation
 */
export { installWasmPatches } from './wasm/index.js';
export { groupedMatMul, groupedWeightGrad, type GroupedMatMulOptions } from './grouped-matmul.js';
export { MomentumSmoeError, ShapeError, ConfigError, FileFormatError } from './errors.js';
export { assertShape } from './shapes.js';
export { Rng, type RngState } from './rng.js';
export { uniformInit, normalInit, torchLinearInit, fastmoeExpertInit } from './init.js';
export { Module } from './module.js';
export { parseSafetensors, serializeSafetensors, type TensorData, type Safetensors } from './safetensors-bytes.js';
export { readSafetensors, writeSafetensors, writeFileAtomic } from './browser-files.js';
