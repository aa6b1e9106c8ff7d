/**
 * Kernel patches for `@tensorflow/tfjs-backend-wasm`, registered in one place.
 * @module
 */

/** Registers the project's wasm kernels (idempotent) and returns the names of the kernels registered. */
export function installWasmPatches(): string[] {
  return [];
}
