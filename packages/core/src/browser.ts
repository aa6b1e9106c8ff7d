/**
 * `@momentum-smoe/core` for browsers (the `browser` export condition): everything but the Node back-end selection
 * (`initBackend`, which loads tfjs-node packages from disk); safetensors from and to bytes; the file functions throw
 * (see browser-files.ts). Pages load `@tensorflow/tfjs-backend-wasm`, set its wasm paths, `tf.setBackend('wasm')`,
 * then call {@link installWasmPatches}.
 * @packageDocumentation
 */
export * from './portable.js';
export { readSafetensors, writeSafetensors, writeFileAtomic } from './browser-files.js';
