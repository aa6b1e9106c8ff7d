/** Shared by the device-routing tests of the language and vision models. */
import * as tf from '@tensorflow/tfjs';

/**
 * Makes every synchronous read (`dataSync`, `arraySync`: the engine's `readSync`) throw, as on webgpu in Node, where
 * only asynchronous reads (`data()`) work. The engine's method is wrapped, not the backend's: the cpu backend's
 * kernels read their own memory directly. Returns the undo.
 */
export function forbidSyncReads(): () => void {
  const engine = tf.engine() as unknown as Record<'readSync', (...args: unknown[]) => unknown>;
  const { readSync } = engine;
  engine.readSync = () => {
    throw new Error('synchronous read in device routing mode');
  };
  return () => {
    engine.readSync = readSync;
  };
}
