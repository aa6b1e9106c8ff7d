/**
 * TensorFlow.js's WebGPU backend in Node, through Dawn (the `webgpu` npm package, with
 * `@tensorflow/tfjs-backend-webgpu`): which adapter runs, the device's error events, and a size check on every tensor.
 *
 * Why this file exists rather than tfjs's own registration: tfjs asks Dawn for a `core` adapter only, so it never
 * finds the OpenGL ES path (which needs `featureLevel: 'compatibility'`); a tensor larger than the device's
 * storage-buffer binding limit gives silent garbage (Dawn only fires `uncapturederror`); and a software adapter must be
 * told apart from a GPU. See docs/gpu.md.
 * @module
 */
import { existsSync, readdirSync } from 'node:fs';
import type { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, MomentumSmoeError } from './errors.js';

/** The adapter the webgpu backend runs on. */
export interface WebGpuAdapter {
  /** The native API Dawn drives: `vulkan` (Linux GPUs, lavapipe), `opengles` (EGL), or `native` (Metal, D3D12). */
  api: 'vulkan' | 'opengles' | 'native';
  /** Vendor, architecture, device and driver description, as the adapter reports them (any may be empty). */
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU implementation (llvmpipe, lavapipe, SwiftShader) or an adapter that calls itself a fallback. */
  software: boolean;
  /** The largest tensor, in bytes, one kernel can bind (`maxStorageBufferBindingSize`). */
  maxBindingBytes: number;
}

/** The device reported an error (a failed validation, out of memory, a lost device): results can no longer be trusted. */
export class DeviceError extends MomentumSmoeError {
  override name = 'DeviceError';
}

interface GpuAdapterLike {
  info?: Record<string, unknown>;
  isFallbackAdapter?: boolean;
  limits: Record<string, number>;
  requestDevice(descriptor: { requiredLimits: Record<string, number> }): Promise<GpuDeviceLike>;
}
interface GpuDeviceLike {
  addEventListener(type: 'uncapturederror', listener: (event: { error: { message: string } }) => void): void;
  lost: Promise<{ reason: string; message: string }>;
}
interface DawnModule {
  create(options: string[]): { requestAdapter(options?: { featureLevel?: string }): Promise<GpuAdapterLike | null> };
  globals: Record<string, unknown>;
}
type BackendClass = new (device: GpuDeviceLike, info: unknown) => tf.KernelBackend;

/**
 * Limits requested at the adapter's own maxima rather than WebGPU's defaults: tfjs-backend-webgpu's list, plus the
 * storage buffers per shader stage, so that a wide `AddN` binds in one dispatch where the GPU allows it.
 */
const LIMITS = [
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
  'maxStorageBuffersPerShaderStage',
];
const ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];
const NO_VULKAN =
  `no Vulkan driver (no ICD file in ${ICD_DIRS.join(', ')}; NVIDIA containers need ` +
  'NVIDIA_DRIVER_CAPABILITIES to include graphics)';
const SOFTWARE = /llvmpipe|lavapipe|swiftshader|softpipe/i;

let deviceProblem: string | null = null;
/** The adapter of the backend already registered: a second start reuses its device (a new one would orphan it). */
let current: WebGpuAdapter | null = null;
/**
 * Publishes the Dawn instance as `navigator.gpu`, where tfjs's backend checks for WebGPU support; held there, the
 * instance is also never collected (collected, it would free the device under the backend: a crash).
 */
function publishGpu(gpu: unknown): void {
  const host = globalThis as { navigator?: object };
  if (host.navigator === undefined) Object.defineProperty(host, 'navigator', { value: {}, configurable: true });
  Object.defineProperty(host.navigator, 'gpu', { value: gpu, configurable: true });
}

/**
 * Throws a {@link DeviceError} when the webgpu device has reported an error since it started (Dawn reports a
 * failed dispatch only through an event, and the kernel's output is then garbage). A no-op on other backends.
 * Call it after each step, once the step's results have been read.
 */
export function checkDevice(): void {
  if (deviceProblem !== null) throw new DeviceError(deviceProblem);
}

/** Vulkan driver manifests (ICD files) the Vulkan loader would find, so Dawn is not loaded on machines without one. */
function vulkanDrivers(): string[] {
  const fromEnv = process.env.VK_DRIVER_FILES ?? process.env.VK_ICD_FILENAMES;
  if (fromEnv) return fromEnv.split(':').filter((f) => existsSync(f));
  return ICD_DIRS.flatMap((d) => (existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.json')) : []));
}

function describeAdapter(adapter: GpuAdapterLike, api: WebGpuAdapter['api']): WebGpuAdapter {
  const info = adapter.info ?? {};
  const text = (key: string) => (typeof info[key] === 'string' ? info[key] : '');
  const fallback = info.isFallbackAdapter === true || adapter.isFallbackAdapter === true;
  const described = {
    api,
    vendor: text('vendor'),
    architecture: text('architecture'),
    device: text('device'),
    description: text('description'),
  };
  const software = fallback || SOFTWARE.test(`${described.device} ${described.description}`);
  return { ...described, software, maxBindingBytes: adapter.limits.maxStorageBufferBindingSize ?? 0 };
}

/** One line: `NVIDIA ampere (vulkan, GPU)` or `llvmpipe-llvm-15… (opengles, software adapter)`. */
export function describeAdapterLine(a: WebGpuAdapter): string {
  const name = [a.vendor, a.architecture, a.device].filter((s) => s).join(' ') || a.description || 'unnamed adapter';
  return `${name} (${a.api}, ${a.software ? 'software adapter' : 'GPU'})`;
}

async function findAdapter(
  dawn: DawnModule,
  allowSoftware: boolean,
): Promise<{ adapter: GpuAdapterLike; api: WebGpuAdapter['api'] } | { reason: string }> {
  const reasons: string[] = [];
  const requestAdapter = (options: string[], featureLevel?: string) => {
    const gpu = dawn.create(options);
    publishGpu(gpu);
    return gpu.requestAdapter(featureLevel ? { featureLevel } : undefined);
  };
  if (process.platform !== 'linux') {
    const adapter = await requestAdapter([]);
    if (adapter && (allowSoftware || !describeAdapter(adapter, 'native').software)) return { adapter, api: 'native' };
    reasons.push(adapter ? 'the adapter is a software one' : 'Dawn found no adapter');
  } else if (vulkanDrivers().length === 0) {
    reasons.push(NO_VULKAN);
  } else {
    const adapter = await requestAdapter(['backend=vulkan']);
    if (adapter && (allowSoftware || !describeAdapter(adapter, 'vulkan').software)) return { adapter, api: 'vulkan' };
    reasons.push(adapter ? 'the Vulkan adapter is a software one' : 'Dawn found no Vulkan adapter (libvulkan1?)');
  }
  if (!allowSoftware) return { reason: reasons.join('; ') };
  // A surfaceless EGL context needs no display; Mesa's llvmpipe provides OpenGL ES 3.1+ on any Linux.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  const adapter = await requestAdapter(['backend=opengles'], 'compatibility');
  if (adapter) return { adapter, api: 'opengles' };
  reasons.push('no OpenGL ES adapter (needs libEGL.so and Mesa: scripts/ci/install-webgpu-adapter.sh)');
  return { reason: reasons.join('; ') };
}

/**
 * Loads Dawn and tfjs-backend-webgpu (resolved with `requires`, in order), picks an adapter (a GPU through Vulkan,
 * Metal or D3D12; with `allowSoftware`, also a software adapter or Mesa's OpenGL ES), and makes `webgpu` the active
 * tfjs backend, with the size check and the error listener installed. Returns the adapter, or why there is none.
 */
export async function startWebGpu(
  requires: ReturnType<typeof createRequire>[],
  allowSoftware: boolean,
): Promise<{ adapter: WebGpuAdapter } | { reason: string }> {
  if (current && (allowSoftware || !current.software) && tf.findBackend('webgpu') && (await tf.setBackend('webgpu'))) {
    return { adapter: current };
  }
  const load = async <T>(pkg: string): Promise<T | null> => {
    for (const req of requires) {
      try {
        return (await import(pathToFileURL(req.resolve(pkg)).href)) as T;
      } catch (e) {
        if ((e as { code?: string }).code !== 'MODULE_NOT_FOUND') throw e;
      }
    }
    return null;
  };
  // `auto` wants a GPU: without a Vulkan driver on Linux there is none to find, so Dawn is not even loaded.
  if (!allowSoftware && process.platform === 'linux' && vulkanDrivers().length === 0) return { reason: NO_VULKAN };
  let dawn: DawnModule | null;
  try {
    dawn = await load<DawnModule>('webgpu');
  } catch (e) {
    return { reason: `the webgpu package failed to load: ${(e as Error).message.split('\n')[0]}` };
  }
  if (!dawn) return { reason: 'the webgpu package is not installed (pnpm add webgpu@0.6.2)' };
  Object.assign(globalThis, dawn.globals); // GPUBufferUsage and friends, which the backend reads as globals
  const found = await findAdapter(dawn, allowSoftware);
  if ('reason' in found) return found;
  const backendModule = await load<{ WebGPUBackend: BackendClass }>('@tensorflow/tfjs-backend-webgpu');
  if (!backendModule) return { reason: '@tensorflow/tfjs-backend-webgpu is not installed' };

  const adapter = describeAdapter(found.adapter, found.api);
  const requiredLimits = Object.fromEntries(LIMITS.map((k) => [k, found.adapter.limits[k]!]));
  const device = await found.adapter.requestDevice({ requiredLimits });
  deviceProblem = null;
  device.addEventListener('uncapturederror', (event) => {
    deviceProblem ??= `the webgpu device reported an error, so this run's numbers cannot be trusted: ${event.error.message}`;
  });
  void device.lost.then((info) => {
    if (info.reason !== 'destroyed') deviceProblem ??= `the webgpu device was lost: ${info.message}`;
  });
  const Checked = checkedBackend(backendModule.WebGPUBackend, adapter);
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new Checked(device, found.adapter.info));
  if (!(await tf.setBackend('webgpu'))) return { reason: "setBackend('webgpu') failed" };
  await tf.ready();
  chunkAddN(requiredLimits.maxStorageBuffersPerShaderStage! - 1);
  current = adapter;
  return { adapter };
}

/** Throws a `ConfigError` naming the fix when a tensor of this shape and dtype exceeds the adapter's binding limit. */
export function checkBindingSize(shape: readonly number[], dtype: string, adapter: WebGpuAdapter): void {
  const bytes = shape.reduce((a, b) => a * b, 1) * (dtype === 'complex64' ? 8 : 4);
  if (bytes <= adapter.maxBindingBytes) return;
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
  throw new ConfigError(
    `a ${dtype} tensor of shape [${shape.join(', ')}] (${mib(bytes)}) exceeds this GPU's storage-buffer binding ` +
      `limit of ${mib(adapter.maxBindingBytes)} (${describeAdapterLine(adapter)}): lower --batch, the block size or ` +
      'the vocabulary, or use --backend wasm',
  );
}

/**
 * tfjs's WebGPU backend with every tensor it allocates or uploads checked by {@link checkBindingSize}, and a
 * synchronous read that says why it cannot work in Node (tfjs's needs an `OffscreenCanvas`).
 */
function checkedBackend(Base: BackendClass, adapter: WebGpuAdapter): BackendClass {
  type Make = (shape: number[], dtype: string, values?: unknown) => tf.TensorInfo;
  type Write = (values: unknown, shape: number[], dtype: string) => tf.DataId;
  type ReadSync = (dataId: tf.DataId) => tf.backend_util.BackendValues;
  return class CheckedWebGpuBackend extends Base {
    constructor(device: GpuDeviceLike, info: unknown) {
      super(device, info);
      const self = this as unknown as { makeTensorInfo: Make; write: Write; readSync: ReadSync };
      const make = self.makeTensorInfo.bind(this);
      const write = self.write.bind(this);
      self.makeTensorInfo = (shape, dtype, values) => {
        checkBindingSize(shape, dtype, adapter);
        return make(shape, dtype, values);
      };
      self.write = (values, shape, dtype) => {
        checkBindingSize(shape, dtype, adapter);
        return write(values, shape, dtype);
      };
      const readSync = self.readSync.bind(this);
      self.readSync = (dataId) => {
        try {
          return readSync(dataId);
        } catch (e) {
          if (!(e instanceof ReferenceError)) throw e;
          throw new Error(
            'a synchronous read (dataSync, arraySync) of a tensor on the webgpu backend: Node has no OffscreenCanvas, ' +
              'so code that runs on webgpu must read with `await tensor.data()`',
            { cause: e },
          );
        }
      };
    }
  };
}

/**
 * tfjs's webgpu `AddN` binds every input at once, so a sum of more tensors than the device's storage buffers per
 * shader stage (8 by WebGPU's default; the global gradient norm sums one per parameter) fails validation. This wraps
 * it to add at most `max` tensors per dispatch, in a tree.
 */
function chunkAddN(max: number): void {
  const original = tf.getKernel('AddN', 'webgpu');
  if (!original || original.kernelFunc.name === 'chunkedAddN') return;
  const addN = original.kernelFunc;
  const chunkedAddN: tf.KernelFunc = (args) => {
    const backend = args.backend as tf.KernelBackend;
    let level = args.inputs as unknown as tf.TensorInfo[];
    const owned = new Set<tf.TensorInfo>();
    while (level.length > max) {
      const next: tf.TensorInfo[] = [];
      for (let i = 0; i < level.length; i += max) {
        const group = level.slice(i, i + max);
        if (group.length === 1) next.push(group[0]!);
        else {
          const sum = addN({ ...args, inputs: group as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
          owned.add(sum);
          next.push(sum);
        }
      }
      // The backend defers releasing a buffer that a queued dispatch still reads.
      for (const t of level) if (owned.has(t)) backend.disposeData(t.dataId);
      level = next;
    }
    const out = addN({ ...args, inputs: level as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
    for (const t of level) if (owned.has(t)) backend.disposeData(t.dataId);
    return out;
  };
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel({ ...original, kernelFunc: chunkedAddN });
}
