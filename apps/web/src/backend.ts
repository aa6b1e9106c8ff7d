/**
 * Backend selection in the page: wasm (SIMD, with this project's kernels) by default, webgl, webgpu where the
 * browser has it, cpu. tfjs falls back to another backend without a word when one cannot start (e.g. wasm files not
 * found): {@link startBackend} reports the backend that really runs.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { installWasmPatches } from '@momentum-smoe/core';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/** A backend the picker offers. */
export type BackendName = 'wasm' | 'webgl' | 'webgpu' | 'cpu';

/** What {@link startBackend} did. */
export interface BackendStatus {
  requested: BackendName;
  /** `tf.getBackend()` after the switch: the backend that really runs. */
  actual: string;
  /** Why the requested backend is not the one running, or null. */
  fallback: string | null;
  /** The project's wasm kernels registered (empty off wasm). */
  kernels: string[];
}

/** The backends this browser can offer (webgpu only where `navigator.gpu` exists). */
export function availableBackends(): BackendName[] {
  const gpu = typeof navigator !== 'undefined' && 'gpu' in navigator;
  return gpu ? ['wasm', 'webgl', 'webgpu', 'cpu'] : ['wasm', 'webgl', 'cpu'];
}

/**
 * Points tfjs-wasm at its `.wasm` files: the ones bundled with the page, or `override` (a folder URL ending in `/`,
 * e.g. to check the fallback detection with a wrong one).
 */
export function configureWasmFiles(override: string | null): void {
  if (override !== null) setWasmPaths(override);
  else
    setWasmPaths({
      'tfjs-backend-wasm.wasm': wasmUrl,
      'tfjs-backend-wasm-simd.wasm': simdUrl,
      'tfjs-backend-wasm-threaded-simd.wasm': threadedUrl,
    });
}

/** Switches to `requested`, then reads which backend runs; on wasm, registers the project's kernels. */
export async function startBackend(requested: BackendName): Promise<BackendStatus> {
  if (requested === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  let ok = false;
  let reason = '';
  try {
    ok = await tf.setBackend(requested);
  } catch (e) {
    reason = (e as Error).message;
  }
  if (!ok) {
    // tfjs leaves no backend set after a failed switch: take the best that starts, as tfjs would on its own.
    for (const other of ['wasm', 'webgl', 'cpu'] as const)
      if (other !== requested && (await tf.setBackend(other).catch(() => false))) break;
  }
  await tf.ready();
  const actual = tf.getBackend();
  const kernels = actual === 'wasm' ? installWasmPatches() : [];
  const wasmHint = requested === 'wasm' ? ' (its .wasm files were not found or not allowed)' : '';
  const why = reason ? ` (${reason})` : wasmHint;
  const fallback = actual === requested ? null : `${requested} did not start${why}; running on ${actual}`;
  return { requested, actual, fallback, kernels };
}
