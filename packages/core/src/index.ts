/**
 * `@momentum-smoe/core`: backend set-up, modules and parameters, seeded initialisers, safetensors I/O, wasm kernel
 * patches, shape checks and typed errors. No model knowledge.
 * @packageDocumentation
 */
export * from './portable.js';
export {
  initBackend,
  describeBackend,
  BACKEND_CHOICES,
  type BackendChoice,
  type BackendReport,
  type InitBackendOptions,
} from './backend.js';
export { checkDevice, checkBindingSize, describeAdapterLine, DeviceError, type WebGpuAdapter } from './webgpu.js';
export { writeFileAtomic, makeDirectory, removeStaleTempFiles } from './atomic.js';
export { readSafetensors, writeSafetensors } from './safetensors.js';
