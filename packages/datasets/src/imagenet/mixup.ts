/**
 * Mixup (Zhang et al. 2018) as V-MoE trains with it (`vmoe/train/trainer.py`, `mixup` with the paper configs'
 * `granularity='device'`, `size=2`): one Dirichlet(α, α) draw per batch, sorted so that the larger weight stays on
 * each image's own content, and every image mixed with the next one in the batch (cyclically). Labels are mixed with
 * the same weights into soft targets.
 * @module
 */
import { DatasetError } from '../errors.js';
import type { SeededRandom } from '../wikitext/random.js';
import { gaussian } from './random.js';

/** Mixup settings (V-MoE light1: concentration 0.2, size 2). */
export interface MixupOptions {
  /** Dirichlet concentration α (> 0). */
  concentration: number;
  /** Images mixed into each one (V-MoE: 2). */
  size: number;
}

/** A Gamma(shape, 1) draw (Marsaglia–Tsang; shape < 1 through Gamma(shape + 1)·U^(1/shape)). */
export function gammaDraw(rng: SeededRandom, shape: number): number {
  if (shape < 1) {
    let u = 0;
    while (u === 0) u = rng.uniform();
    return gammaDraw(rng, shape + 1) * Math.pow(u, 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = gaussian(rng);
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    const u = rng.uniform();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** Mixing weights: a Dirichlet(α, …, α) draw of `size` weights, largest first. */
export function mixupWeights(rng: SeededRandom, options: MixupOptions): number[] {
  const { concentration, size } = options;
  if (!(concentration > 0) || !(Number.isInteger(size) && size >= 2)) {
    throw new DatasetError(`mixup needs concentration > 0 and an integer size ≥ 2, got ${concentration} and ${size}`);
  }
  let g = Array.from({ length: size }, () => gammaDraw(rng, concentration));
  const total = g.reduce((a, v) => a + v, 0);
  // Tiny concentrations can underflow every draw: that is the limit of a one-hot weight.
  g = total > 0 ? g.map((v) => v / total) : g.map((_, i) => (i === 0 ? 1 : 0));
  return g.sort((a, b) => b - a);
}

/** A mixed batch. */
export interface MixedBatch {
  /** images: [count, ...pixels], `Σ_j w_j · image[(i + j) mod count]`. */
  images: Float32Array;
  /** targets: [count, classes], `Σ_j w_j · onehot(label[(i + j) mod count])`. */
  targets: Float32Array;
}

/**
 * Mixes a batch of `count` images (each `images.length / count` values) and their labels with `weights`
 * (see {@link mixupWeights}).
 * @example
 * ```ts
 * const w = mixupWeights(streamFor(seed, epoch, batchStart), { concentration: 0.2, size: 2 });
 * const { images, targets } = mixBatch(batch.images, batch.labels, 1000, w); // targets: [B, 1000]
 * ```
 */
export function mixBatch(
  images: Float32Array,
  labels: Int32Array,
  classes: number,
  weights: readonly number[],
): MixedBatch {
  const count = labels.length;
  const pixels = images.length / count;
  const mixed = new Float32Array(images.length);
  const targets = new Float32Array(count * classes);
  for (let i = 0; i < count; i++) {
    const dst = mixed.subarray(i * pixels, (i + 1) * pixels);
    for (let j = 0; j < weights.length; j++) {
      const from = (i + j) % count;
      const w = weights[j]!;
      const src = images.subarray(from * pixels, (from + 1) * pixels);
      for (let p = 0; p < pixels; p++) dst[p] = dst[p]! + w * src[p]!;
      const label = labels[from]!;
      if (!(label >= 0 && label < classes)) {
        throw new DatasetError(`mixup: label ${label} is not a class index below ${classes}`);
      }
      targets[i * classes + label]! += w;
    }
  }
  return { images: mixed, targets };
}
