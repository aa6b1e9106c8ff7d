/**
 * The memory that the worker threads of one {@link runWorkers} call share: a control block (barrier counters and an
 * abort flag) and a shared WebAssembly memory for the data, so that the summation runs as a SIMD kernel on it. Built by
 * the parent thread, handed to each worker in `workerData`.
 * @module
 */
import { maxWasmPages, sharedMemory, wasmPageBytes, type SharedWasmMemory } from './sum-kernel.js';

/** Control block slots (Int32). */
export const Control = {
  /** Ranks arrived at the current barrier. */
  Arrived: 0,
  /** Barrier generation, bumped (and notified) when the last rank arrives. */
  Generation: 1,
  /** 0 while running; 1 + rank of a worker that failed; -1 when the parent cancelled the run. */
  Abort: 2,
  /** Slot `Lengths + rank`: the byte length a rank passed to the current collective, checked against the others. */
  Lengths: 4,
} as const;

/** The abort code that means the parent cancelled the run. */
export const cancelledCode = -1;

/** Everything a worker needs to join its group; structured-clonable (the buffers are shared, not copied). */
export interface SharedGroup {
  readonly rank: number;
  readonly size: number;
  /** Int32 control block: barrier counter and generation, abort flag, each rank's array length. */
  readonly control: SharedArrayBuffer;
  /** Shared and growable: one result region then one slot per rank, each of the current region size. */
  readonly memory: SharedWasmMemory;
  /** Bytes of each region before any growth (every rank starts from the same value). */
  readonly initialRegionBytes: number;
  /** A region never grows past this; larger arrays are reduced in pieces. */
  readonly maxRegionBytes: number;
  /** How long a rank waits for the others in one collective before giving up (ms). */
  readonly timeoutMs: number;
}

/** Sizes of a group's shared memory. */
export interface SharedGroupOptions {
  /** Bytes of each region at start (default 1 MiB); regions grow on demand up to `maxRegionBytes`. */
  initialRegionBytes?: number;
  /**
   * Largest region (default 256 MiB, and at most what lets the `size + 1` regions fit in the 4 GiB a WebAssembly
   * memory can address); an all-reduce of a larger array runs in pieces of this size.
   */
  maxRegionBytes?: number;
  /** How long a collective waits for the other ranks before failing (default 30 minutes, as PyTorch's). */
  timeoutMs?: number;
}

/** Region sizes are multiples of this, so float views are aligned and pieces split at cache lines. */
export const regionAlign = 64;

/** Rounds `bytes` up to a multiple of {@link regionAlign}. */
export function alignRegion(bytes: number): number {
  return Math.ceil(bytes / regionAlign) * regionAlign;
}

/** The shared memory of a group of `size` workers, without the per-rank part. */
export function createSharedMemory(size: number, options: SharedGroupOptions = {}): Omit<SharedGroup, 'rank'> {
  const addressable = Math.floor((maxWasmPages * wasmPageBytes) / (size + 1) / regionAlign) * regionAlign;
  const maxRegionBytes = Math.min(alignRegion(options.maxRegionBytes ?? 256 * 2 ** 20), addressable);
  const initial = Math.min(alignRegion(options.initialRegionBytes ?? 2 ** 20), maxRegionBytes);
  const memory = sharedMemory(initial * (size + 1), maxRegionBytes * (size + 1));
  const control = new SharedArrayBuffer((Control.Lengths + size) * Int32Array.BYTES_PER_ELEMENT);
  const timeoutMs = options.timeoutMs ?? 30 * 60_000;
  return { size, control, memory, initialRegionBytes: initial, maxRegionBytes, timeoutMs };
}

/** Marks the group aborted (first writer wins) and wakes every rank waiting in a collective. */
export function abortGroup(control: SharedArrayBuffer, code: number): void {
  const view = new Int32Array(control);
  Atomics.compareExchange(view, Control.Abort, 0, code);
  Atomics.notify(view, Control.Generation);
}
