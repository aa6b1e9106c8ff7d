/**
 * Data parallelism as PyTorch's DDP does it, over any {@link Communicator} (worker threads, MPI ranks): every rank
 * starts from rank 0's weights (broadcast, then checked by checksum), trains on its contiguous share of the global
 * batch, and the mean gradient over ranks (one flat all-reduce per step) feeds the same optimiser update everywhere.
 * Also the small collectives around it: gathering a rank-sharded tensor or each rank's JSON to rank 0 for a
 * checkpoint, and averaging evaluation sums.
 * @module
 */
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { MomentumSmoeError, Rng } from '@momentum-smoe/core';
import type { Communicator, ReduceStaging } from '@momentum-smoe/distributed';
import type { StepSync } from './loop.js';
import { heapView, hostValues, tensorCopy } from './host-copy.js';

/** A mistake in how a data-parallel run is set up (e.g. a batch the ranks cannot share); one line, for the user. */
export class DataParallelError extends MomentumSmoeError {
  override name = 'DataParallelError';
}

/** A rank's contiguous share `[start, start + count)` of `total` items. */
export interface Share {
  start: number;
  count: number;
}

/** The seed of rank `rank`'s own random stream (dropout, router noise); rank 0 keeps the run's own stream. */
export function rankSeed(seed: number, rank: number, stream = 0): number {
  const mixed = Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(rank + 1, 0x85ebca6b) ^ Math.imul(stream + 1, 0xc2b2ae35);
  return mixed >>> 0;
}

/** A fresh generator for rank `rank`'s own stream number `stream`. */
export function rankRng(seed: number, rank: number, stream = 0): Rng {
  return new Rng(rankSeed(seed, rank, stream));
}

/** One process's place in a data-parallel group, and the collectives the trainers need. */
export class DataParallel {
  constructor(readonly comm: Communicator) {}

  /** This rank. */
  get rank(): number {
    return this.comm.rank;
  }

  /** Number of ranks. */
  get size(): number {
    return this.comm.size;
  }

  /**
   * This rank's contiguous share of `total` items (streams, images).
   * @throws DataParallelError when `total` does not divide evenly over the ranks.
   */
  share(total: number, what: string): Share {
    if (total % this.size !== 0) {
      const fix = `use a multiple of ${this.size}`;
      throw new DataParallelError(`${what} ${total} does not divide over ${this.size} ranks; ${fix}`);
    }
    const count = total / this.size;
    return { start: this.rank * count, count };
  }

  /**
   * The {@link StepSync} of a run over `params`: before the first step every rank takes rank 0's weights (and checks
   * them by checksum); each step averages the gradients of every parameter, in `params` order, in one all-reduce.
   * The gradients are written straight into the communicator's buffer and the means read straight out of it.
   */
  stepSync(params: Map<string, tf.Variable>): StepSync {
    // Where each gradient sits in the all-reduced array: [Σ sizes] in params order, then the step's readings.
    const layout: GradientSlot[] = [];
    let total = 0;
    for (const p of params.values()) {
      if (!p.trainable) continue;
      layout.push({ name: p.name, shape: p.shape, offset: total, size: p.size });
      total += p.size;
    }
    return {
      rank: this.rank,
      size: this.size,
      prepare: () => this.syncParameters(params),
      meanGradients: async (grads, readings) => {
        // Off wasm the values come to the host first; on wasm they are read off the heap as they are written.
        const host = await Promise.all(layout.map(async (e) => (grads[e.name] ? hostValues(grads[e.name]!) : null)));
        const out: tf.NamedTensorMap = {};
        const spanning = new Map<string, Float32Array>(); // gradients split over two pieces of the all-reduce
        const staging: ReduceStaging = {
          write: (view, start) => {
            for (const [i, e] of layout.entries()) {
              const [lo, hi] = overlap(e, start, view.length);
              if (lo >= hi) continue;
              const g = grads[e.name];
              const src = g ? (host[i] ?? heapView(g)!) : null;
              if (src) view.set(src.subarray(lo - e.offset, hi - e.offset), lo - start);
              else view.fill(0, lo - start, hi - start);
            }
            const [lo, hi] = overlap({ offset: total, size: readings.length }, start, view.length);
            for (let j = lo; j < hi; j++) view[j - start] = readings[j - total]!;
          },
          read: (view, start) => {
            for (const e of layout) {
              const [lo, hi] = overlap(e, start, view.length);
              if (lo >= hi) continue;
              const part = view.subarray(lo - start, hi - start);
              if (lo === e.offset && hi === e.offset + e.size) {
                out[e.name] = tensorCopy(part, e.shape);
                continue;
              }
              const whole = spanning.get(e.name) ?? new Float32Array(e.size);
              spanning.set(e.name, whole);
              whole.set(part, lo - e.offset);
              if (hi === e.offset + e.size) out[e.name] = tf.tensor(whole, e.shape, 'float32');
            }
            const [lo, hi] = overlap({ offset: total, size: readings.length }, start, view.length);
            for (let j = lo; j < hi; j++) readings[j - total] = view[j - start]!;
          },
        };
        await this.comm.allReduceStaged(total + readings.length, staging, 'mean');
        tf.dispose(Object.values(grads));
        return out;
      },
    };
  }

  /** Every rank takes rank 0's values of `params`, then checks that all ranks hold the same bytes. */
  async syncParameters(params: Map<string, tf.Variable>): Promise<void> {
    if (this.size === 1) return;
    const list = [...params.values()];
    const flat = tf.tidy(() => tf.concat(list.map((p) => tf.reshape(tf.cast(p, 'float32'), [-1]))));
    const data = (await flat.data()) as Float32Array;
    flat.dispose();
    await this.comm.broadcast(data, 0);
    let offset = 0;
    for (const p of list) {
      const part = data.subarray(offset, offset + p.size);
      tf.tidy(() => p.assign(tf.tensor(part, p.shape, p.dtype)));
      offset += p.size;
    }
    const mine = await parameterDigest(params);
    const root = Uint8Array.from(mine);
    await this.comm.broadcast(root, 0);
    if (!root.every((b, i) => b === mine[i])) {
      throw new Error(`rank ${this.rank}: weights differ from rank 0's after the broadcast (checksum mismatch)`);
    }
  }

  /** The rows of a `[rows, …]` array sharded over ranks (rank r holds `chunk`), concatenated in rank order. */
  async gatherRows(chunk: Float32Array): Promise<Float32Array> {
    if (this.size === 1) return chunk;
    const all = new Float32Array(chunk.length * this.size);
    for (let r = 0; r < this.size; r++) {
      const part = r === this.rank ? Float32Array.from(chunk) : new Float32Array(chunk.length);
      await this.comm.broadcast(part, r);
      all.set(part, r * chunk.length);
    }
    return all;
  }

  /** Every rank's `value` (JSON), in rank order, on every rank. */
  async gatherJson<T>(value: T): Promise<T[]> {
    if (this.size === 1) return [value];
    const bytes = new TextEncoder().encode(JSON.stringify(value));
    const lengths = new Float32Array(this.size);
    lengths[this.rank] = bytes.length;
    await this.comm.allReduce(lengths, 'sum');
    const out: T[] = [];
    for (let r = 0; r < this.size; r++) {
      const buf = r === this.rank ? bytes : new Uint8Array(lengths[r]!);
      await this.comm.broadcast(buf, r);
      out.push(JSON.parse(new TextDecoder().decode(buf)) as T);
    }
    return out;
  }

  /** The sums of `values` over ranks (evaluation totals), in place. */
  async sum(values: Float32Array): Promise<Float32Array> {
    await this.comm.allReduce(values, 'sum');
    return values;
  }
}

/** Where one parameter's gradient sits in the all-reduced array. */
interface GradientSlot {
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

/** The elements `[lo, hi)` that `[offset, offset + size)` shares with the piece `[start, start + length)`. */
function overlap({ offset, size }: { offset: number; size: number }, start: number, length: number): [number, number] {
  return [Math.max(offset, start), Math.min(offset + size, start + length)];
}

/** SHA-256 over every parameter's bytes, in `params` order. */
export async function parameterDigest(params: Map<string, tf.Variable>): Promise<Uint8Array> {
  const h = createHash('sha256');
  for (const [name, p] of params) {
    const d = await p.data();
    h.update(name);
    h.update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  }
  return new Uint8Array(h.digest());
}
