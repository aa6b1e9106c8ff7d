/**
 * Backend selection: tfjs-node-gpu (CUDA), then WebGPU on a GPU (Dawn), then tfjs-node, then wasm, then the pure-JS
 * cpu backend.
 * @module
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from './errors.js';
import { installWasmPatches } from './wasm/index.js';
import { describeAdapterLine, startWebGpu, type WebGpuAdapter } from './webgpu.js';

/**
 * What {@link initBackend} may pick: `auto` tries each in order, `tensorflow` means tfjs-node-gpu or tfjs-node,
 * `webgpu` is TensorFlow.js's WebGPU backend through Dawn (a software adapter is accepted when asked for by name).
 */
export type BackendChoice = 'auto' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

/** The choices, in the order `auto` tries them after tfjs-node-gpu. */
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'];

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /** Which backend to use; default `auto`. */
  backend?: BackendChoice;
  /**
   * Where to resolve the optional `@tensorflow/tfjs-node(-gpu)` packages from, as a file URL or path (pass the
   * app's `import.meta.url`). The current directory and this package are always tried too.
   */
  resolveFrom?: string;
  /**
   * Whether `auto` may pick WebGPU (default true). Data-parallel ranks pass false: Dawn gives each process the same
   * default adapter, so ranks cannot each take their own GPU.
   */
  webgpu?: boolean;
}

/** Which backend runs, from which package, and why each earlier candidate was skipped. */
export interface BackendReport {
  /** The tfjs backend name now active: `tensorflow`, `webgpu`, `wasm` or `cpu`. */
  backend: string;
  /** The npm package that provides it. */
  package: string;
  /** True when a GPU runs: tfjs-node-gpu (CUDA), or webgpu on an adapter that is not a software one. */
  gpu: boolean;
  /** On webgpu, the adapter that runs. */
  adapter?: WebGpuAdapter;
  /** Kernels the wasm backend lacks or runs slowly that this project registered (wasm only). */
  patches: string[];
  /** Candidates tried before the chosen one, with the reason each was skipped. */
  skipped: { package: string; reason: string }[];
}

const NATIVE = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;
const WEBGPU = '@tensorflow/tfjs-backend-webgpu + webgpu (Dawn)';

function resolvers(from?: string): NodeJS.Require[] {
  const bases = [from, join(process.cwd(), 'package.json'), import.meta.url].filter((b): b is string => !!b);
  return bases.map((b) => createRequire(b));
}

/** Finds a native tfjs package and its compiled binding, or says why not (without loading anything). */
function probeNative(pkg: string, from?: string): { entry: string } | { reason: string } {
  for (const req of resolvers(from)) {
    let manifest: string;
    try {
      manifest = req.resolve(`${pkg}/package.json`);
    } catch {
      continue;
    }
    const lib = join(dirname(manifest), 'lib');
    const napi = existsSync(lib) ? readdirSync(lib).filter((d) => d.startsWith('napi-v')) : [];
    const binding = napi.map((d) => join(lib, d, 'tfjs_binding.node')).find((f) => existsSync(f));
    if (!binding)
      return {
        reason:
          'installed but its native binding is missing (its install script did not run or failed): ' +
          `${lib}/napi-v*/tfjs_binding.node`,
      };
    return { entry: req.resolve(pkg) };
  }
  return { reason: 'not installed' };
}

/**
 * Selects and initialises the fastest available backend and returns a report.
 * Order for `auto`: `@tensorflow/tfjs-node-gpu`, webgpu on a GPU adapter, `@tensorflow/tfjs-node`,
 * `@tensorflow/tfjs-backend-wasm`, cpu. On wasm it also registers the project's kernel patches (see
 * {@link installWasmPatches}).
 * @example
 * ```ts
 * const report = await initBackend({ backend: 'auto' });
 * console.log(describeBackend(report)); // backend wasm (@tensorflow/tfjs-backend-wasm); skipped: ...
 * ```
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendReport> {
  const choice = options.backend ?? 'auto';
  if (!BACKEND_CHOICES.includes(choice)) {
    throw new ConfigError(`unknown backend '${choice}': use one of ${BACKEND_CHOICES.join(', ')}`);
  }
  tf.env().set('PROD', true); // silences tfjs' "install tfjs-node" banner; we report the backend ourselves
  const skipped: BackendReport['skipped'] = [];
  const notRequested = (pkg: string) => skipped.push({ package: pkg, reason: `not requested (--backend ${choice})` });
  const native = async (pkg: string): Promise<BackendReport | null> => {
    if (choice !== 'auto' && choice !== 'tensorflow') {
      notRequested(pkg);
      return null;
    }
    const probe = probeNative(pkg, options.resolveFrom);
    if ('reason' in probe) {
      skipped.push({ package: pkg, reason: probe.reason });
      return null;
    }
    try {
      await import(probe.entry);
      if (await tf.setBackend('tensorflow')) {
        await tf.ready();
        return { backend: 'tensorflow', package: pkg, gpu: pkg.endsWith('gpu'), patches: [], skipped };
      }
      skipped.push({ package: pkg, reason: "loaded, but setBackend('tensorflow') failed" });
    } catch (e) {
      skipped.push({ package: pkg, reason: `failed to load: ${(e as Error).message.split('\n')[0]}` });
    }
    return null;
  };

  const cuda = await native(NATIVE[0]);
  if (cuda) return cuda;
  if (choice === 'auto' && options.webgpu === false) {
    skipped.push({ package: WEBGPU, reason: 'not for data-parallel ranks (they would share one adapter)' });
  } else if (choice === 'auto' || choice === 'webgpu') {
    const started = await startWebGpu(resolvers(options.resolveFrom), choice === 'webgpu');
    if ('adapter' in started) {
      const { adapter } = started;
      return { backend: 'webgpu', package: WEBGPU, gpu: !adapter.software, adapter, patches: [], skipped };
    }
    skipped.push({ package: WEBGPU, reason: started.reason });
    if (choice === 'webgpu') {
      throw new ConfigError(
        `backend 'webgpu' requested but unavailable: ${started.reason}. On a Linux GPU server install the ` +
          "driver's Vulkan ICD; for a software adapter run scripts/ci/install-webgpu-adapter.sh (docs/gpu.md)",
      );
    }
  } else notRequested(WEBGPU);
  const cpuNative = await native(NATIVE[1]);
  if (cpuNative) return cpuNative;
  if (choice === 'tensorflow') {
    throw new ConfigError(
      `backend 'tensorflow' requested but unavailable ` +
        `(${skipped.map((s) => `${s.package}: ${s.reason}`).join('; ')}). ` +
        'Install one with `pnpm add @tensorflow/tfjs-node-gpu` (CUDA 11.2 + cuDNN 8.1) ' +
        'or `pnpm add @tensorflow/tfjs-node`.',
    );
  }

  if (choice === 'auto' || choice === 'wasm') {
    try {
      await import('@tensorflow/tfjs-backend-wasm');
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        const patches = installWasmPatches();
        return { backend: 'wasm', package: '@tensorflow/tfjs-backend-wasm', gpu: false, patches, skipped };
      }
      skipped.push({ package: '@tensorflow/tfjs-backend-wasm', reason: "setBackend('wasm') resolved false" });
    } catch (e) {
      skipped.push({ package: '@tensorflow/tfjs-backend-wasm', reason: `failed to load: ${(e as Error).message}` });
    }
    if (choice === 'wasm') throw new ConfigError(`backend 'wasm' requested but unavailable: ${skipped.at(-1)?.reason}`);
  } else notRequested('@tensorflow/tfjs-backend-wasm');

  if (!(await tf.setBackend('cpu'))) throw new ConfigError('no tfjs backend could be initialised, not even cpu');
  await tf.ready();
  return { backend: 'cpu', package: '@tensorflow/tfjs-backend-cpu', gpu: false, patches: [], skipped };
}

/** One line for logs: `backend wasm (@tensorflow/tfjs-backend-wasm); skipped: ...`. */
export function describeBackend(report: BackendReport): string {
  const skipped = report.skipped.map((s) => `${s.package} (${s.reason})`).join('; ');
  const detail = report.adapter ? `, adapter: ${describeAdapterLine(report.adapter)}` : report.gpu ? ', GPU' : '';
  return `backend ${report.backend} (${report.package}${detail})` + (skipped ? `; skipped: ${skipped}` : '');
}
