/**
 * Evaluating a vision MoE: top-1/top-5 (and the sigmoid cross-entropy) on a split, and robustness: corrupted MNIST
 * digits in memory, or ImageNet-A/R (predictions restricted to their 200 classes) and ImageNet-C (mCE with the
 * AlexNet references) folders.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import {
  meanCorruptionError,
  readSubsetSet,
  restrictLogits,
  scanImageNetC,
  ALEXNET_TOP1_ERRORS,
  type SubsetMapping,
} from '@momentum-smoe/datasets';
import type { VisionMoE } from '@momentum-smoe/models';
import { digitSplit, folderSplit, type EvalSplit, type VisionData } from '../data/vision-data.js';
import { addTopK, accuracies } from '../vision/top-k.js';
import { corruptDigits, MNIST_CORRUPTIONS, type MnistCorruption } from '../vision/mnist-corruptions.js';

/** Accuracy on one split. */
export interface SplitAccuracy {
  /** Top-1 accuracy, in [0, 1]. */
  top1: number;
  /** Top-5 accuracy, in [0, 1]. */
  top5: number;
  /**
   * Mean sigmoid cross-entropy per image (the training loss without aux losses); over the subset's logits when
   * restricted.
   */
  loss: number;
  /** Images evaluated. */
  count: number;
}

/** Σ over rows of `Σ_c softplus(z) − z_label` (V-MoE's sigmoid cross-entropy against one-hot labels), float64. */
function sigmoidXentSum(logits: Float32Array, labels: Int32Array, classes: number): number {
  let total = 0;
  for (let b = 0; b < labels.length; b++) {
    for (let c = 0; c < classes; c++) {
      const z = logits[b * classes + c]!;
      total += Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
    }
    total -= logits[b * classes + labels[b]!]!;
  }
  return total;
}

/**
 * Top-1/top-5 of `model` (in eval mode: no router noise or dropout, the eval capacity factor) on `split`. With
 * `restrict`, the logits are cut to a subset's classes first (ImageNet-A/R; labels then index the subset).
 * @example
 * ```ts
 * const { top1, top5 } = await evaluateSplit(model, data.eval, { batch: 256 });
 * ```
 */
export async function evaluateSplit(
  model: VisionMoE,
  split: EvalSplit,
  options: { batch?: number; restrict?: SubsetMapping } = {},
): Promise<SplitAccuracy> {
  const { imageSize: s, channels } = model.config;
  const wasTraining = model.training;
  model.train(false);
  const counts = { count: 0, top1: 0, top5: 0 };
  let lossSum = 0;
  try {
    for await (const batch of split.batches(options.batch ?? 256)) {
      const x = tf.tensor4d(batch.images, [batch.count, s, s, channels]);
      const logitsT = tf.tidy(() => model.forward(x).logits); // [B, classes]
      let logits = (await logitsT.data()) as Float32Array;
      tf.dispose([x, logitsT]);
      const classes = options.restrict ? options.restrict.toFull.length : model.config.numClasses;
      if (options.restrict) logits = restrictLogits(logits, options.restrict);
      addTopK(counts, logits, batch.labels, classes);
      lossSum += sigmoidXentSum(logits, batch.labels, classes);
    }
  } finally {
    model.train(wasTraining);
  }
  return { ...accuracies(counts), loss: lossSum / Math.max(1, counts.count) };
}

/** Another model's corruption errors, to normalise MNIST's mCE by (MNIST has no AlexNet reference). */
export interface CorruptionBaseline {
  /** Which model the errors are from (e.g. `vmoe-mnist seed 1`), for reports. */
  name: string;
  /** Top-1 error (1 − accuracy) per corruption, severities 1..5 in order. */
  errors: Readonly<Record<string, readonly number[]>>;
}

/** The MNIST robustness evaluation. */
export interface MnistRobustness {
  /** Accuracy on the uncorrupted digits. */
  clean: SplitAccuracy;
  /** Top-1 accuracy per corruption, severities 1..5 in order. */
  top1: Record<string, number[]>;
  /** Top-1 error per corruption and severity (1 − `top1`), ready to be another run's {@link CorruptionBaseline}. */
  errors: Record<string, number[]>;
  /** Mean top-1 error over every corruption and severity, in percent. */
  meanError: number;
  /**
   * 100 · mean over corruptions of (mean error over severities) / (this model's clean error): an mCE normalised by
   * the same model on clean digits (100 = no degradation). The clean error is floored at one image.
   */
  cleanNormalizedCE: number;
  /** ImageNet-C's mCE formula, {@link CorruptionBaseline} errors in place of AlexNet's (null without a baseline). */
  mCE: number | null;
  /** The baseline's name, or null. */
  baseline: string | null;
}

/** Options of {@link evaluateMnistRobustness}. */
export interface MnistRobustnessOptions {
  /** Images per evaluation batch (default 256). */
  batch?: number;
  /** Seed of the noise (default 0): every model sees the same corrupted digits. */
  seed?: number;
  /** Default: all of {@link MNIST_CORRUPTIONS}. */
  corruptions?: readonly MnistCorruption[];
  /** Normalise mCE by this model's errors (e.g. the plain V-MoE's in a comparison). */
  baseline?: CorruptionBaseline;
}

/**
 * Clean and corrupted top-1 on held-out digits (`[N, 28, 28]` in [0, 1]): each corruption at severities 1..5.
 * @example
 * ```ts
 * const plain = await evaluateMnistRobustness(vmoe, data.mnistTest!);
 * const baseline = { name: 'vmoe', errors: plain.errors };
 * const mom = await evaluateMnistRobustness(momentum, data.mnistTest!, { baseline });
 * mom.mCE; // < 100 when momentum is more robust than the baseline
 * ```
 */
export async function evaluateMnistRobustness(
  model: VisionMoE,
  test: { images: Float32Array; labels: Int32Array; count: number },
  options: MnistRobustnessOptions = {},
): Promise<MnistRobustness> {
  const batch = options.batch ?? 256;
  const side = model.config.imageSize;
  const clean = await evaluateSplit(model, digitSplit('clean', test), { batch });
  const top1: Record<string, number[]> = {};
  const errors: Record<string, number[]> = {};
  for (const corruption of options.corruptions ?? MNIST_CORRUPTIONS) {
    for (let severity = 1; severity <= 5; severity++) {
      const images = corruptDigits(test.images, side, corruption, severity, options.seed ?? 0);
      const acc = await evaluateSplit(model, digitSplit(`${corruption} ${severity}`, { ...test, images }), { batch });
      (top1[corruption] ??= []).push(acc.top1);
      (errors[corruption] ??= []).push(1 - acc.top1);
    }
  }
  const perCorruption = Object.values(errors).map((e) => e.reduce((a, v) => a + v, 0) / e.length);
  const cleanError = Math.max(1 - clean.top1, 1 / Math.max(1, clean.count));
  const all = Object.values(errors).flat();
  return {
    clean,
    top1,
    errors,
    meanError: (100 * all.reduce((a, v) => a + v, 0)) / Math.max(1, all.length),
    cleanNormalizedCE:
      (100 * perCorruption.reduce((a, v) => a + v / cleanError, 0)) / Math.max(1, perCorruption.length),
    mCE: options.baseline ? corruptionMCE(errors, options.baseline) : null,
    baseline: options.baseline?.name ?? null,
  };
}

/**
 * ImageNet-C's mCE (`meanCorruptionError`) with a baseline model's mean error per corruption in place of AlexNet's:
 * 100 means as robust as the baseline, below 100 more robust. A baseline error of 0 is floored at 1e-6.
 * @example
 * ```ts
 * const baseline = { name: 'vmoe', errors: { gaussian_noise: [0.2, 0.2, 0.4, 0.4, 0.8] } };
 * corruptionMCE({ gaussian_noise: [0.1, 0.1, 0.2, 0.2, 0.4] }, baseline); // 50
 * ```
 */
export function corruptionMCE(
  errors: Readonly<Record<string, readonly number[]>>,
  baseline: CorruptionBaseline,
): number {
  const reference = Object.fromEntries(
    Object.entries(baseline.errors).map(([c, e]) => [c, Math.max(1e-6, e.reduce((a, v) => a + v, 0) / e.length)]),
  );
  return meanCorruptionError(errors, reference).mCE;
}

/** ImageNet robustness folders and how to read them. */
export interface ImageNetRobustnessOptions {
  /** The model's class order (the sorted train wnids). */
  classes: readonly string[];
  /** `<dir>/<wnid>/*` folders of ImageNet-A and ImageNet-R. */
  imagenetA?: string;
  /** See `imagenetA`. */
  imagenetR?: string;
  /** `<dir>/<corruption>/<1..5>/<wnid>/*` (ImageNet-C). */
  imagenetC?: string;
  /** Only these ImageNet-C corruptions (default: every folder). */
  corruptions?: readonly string[];
  /** Images per evaluation batch (default 128). */
  batch?: number;
  /** JPEG decodes in flight. */
  concurrency?: number;
}

/** Results of {@link evaluateImageNetRobustness}. */
export interface ImageNetRobustness {
  /** ImageNet-A accuracy over its 200 classes (logits restricted to them). */
  a?: SplitAccuracy;
  /** ImageNet-R accuracy over its 200 classes. */
  r?: SplitAccuracy;
  /** ImageNet-C top-1 and mCE. */
  c?: {
    /** Top-1 per corruption, by severity (index severity − 1; NaN where a severity folder is absent). */
    top1: Record<string, number[]>;
    /** mCE over the corruptions with all five severities and an AlexNet reference; null if none qualifies. */
    mCE: number | null;
    /** CE per corruption included in `mCE`. */
    ce: Record<string, number>;
    /** Corruptions left out of `mCE` (no AlexNet reference, or severities missing). */
    excluded: string[];
  };
}

/**
 * ImageNet-A/R top-1/top-5 with predictions restricted to each subset's classes, and ImageNet-C mCE normalised by
 * AlexNet's errors (`meanCorruptionError`).
 */
export async function evaluateImageNetRobustness(
  model: VisionMoE,
  options: ImageNetRobustnessOptions,
): Promise<ImageNetRobustness> {
  const size = model.config.imageSize;
  const batch = options.batch ?? 128;
  const out: ImageNetRobustness = {};
  for (const [key, dir] of [
    ['a', options.imagenetA],
    ['r', options.imagenetR],
  ] as const) {
    if (dir === undefined) continue;
    const { set, mapping } = await readSubsetSet(dir, options.classes);
    out[key] = await evaluateSplit(model, folderSplit(dir, set, size, options.concurrency), {
      batch,
      restrict: mapping,
    });
  }
  if (options.imagenetC !== undefined) {
    const top1: Record<string, number[]> = {};
    for (const { corruption, severity, set } of await scanImageNetC(
      options.imagenetC,
      options.classes,
      options.corruptions,
    )) {
      const acc = await evaluateSplit(model, folderSplit(`${corruption} ${severity}`, set, size, options.concurrency), {
        batch,
      });
      (top1[corruption] ??= [NaN, NaN, NaN, NaN, NaN])[severity - 1] = acc.top1;
    }
    const complete = Object.entries(top1).filter(([c, t]) => c in ALEXNET_TOP1_ERRORS && t.every(Number.isFinite));
    const excluded = Object.keys(top1).filter((c) => !complete.some(([k]) => k === c));
    const report = complete.length
      ? meanCorruptionError(Object.fromEntries(complete.map(([c, t]) => [c, t.map((v) => 1 - v)])))
      : null;
    out.c = { top1, mCE: report?.mCE ?? null, ce: report?.ce ?? {}, excluded };
  }
  return out;
}

/** Options of {@link evaluateVision}. */
export interface VisionEvalOptions {
  /** Images per evaluation batch (default 256). */
  batch?: number;
  /** Also run the robustness evaluation (MNIST corruptions, or the ImageNet folders given). Default true. */
  robustness?: boolean;
  /** MNIST: the noise seed (default 0). */
  seed?: number;
  /** MNIST: the model whose errors normalise mCE (e.g. the plain V-MoE). */
  baseline?: CorruptionBaseline;
  /** ImageNet-A folder. */
  imagenetA?: string;
  /** ImageNet-R folder. */
  imagenetR?: string;
  /** ImageNet-C folder. */
  imagenetC?: string;
  /** ImageNet-C corruptions to evaluate (default: every folder). */
  corruptions?: readonly string[];
}

/** Results of {@link evaluateVision}. */
export interface VisionEvaluation {
  /** The held-out split's name. */
  split: string;
  /** Accuracy on the held-out split. */
  clean: SplitAccuracy;
  /** MNIST corruption robustness (MNIST data, `robustness` on). */
  mnist?: MnistRobustness;
  /** ImageNet-A/R/C results (ImageNet data with their folders given). */
  imagenet?: ImageNetRobustness;
}

/**
 * Everything `msmoe eval` reports for a vision model: top-1/top-5 on the held-out split, plus robustness (corrupted
 * MNIST, or ImageNet-A/R/C when their folders are given).
 * @example
 * ```ts
 * const result = await evaluateVision(model, await loadVisionData({ corpus: 'mnist' }));
 * console.log(result.clean.top1, result.mnist?.top1.gaussian_noise);
 * ```
 */
export async function evaluateVision(
  model: VisionMoE,
  data: VisionData,
  options: VisionEvalOptions = {},
): Promise<VisionEvaluation> {
  const batch = options.batch ?? 256;
  const robust = options.robustness ?? true;
  if (robust && data.mnistTest) {
    const mnist = await evaluateMnistRobustness(model, data.mnistTest, {
      batch,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.baseline ? { baseline: options.baseline } : {}),
    });
    return { split: data.eval.name, clean: mnist.clean, mnist };
  }
  const clean = await evaluateSplit(model, data.eval, { batch });
  if (
    !robust ||
    data.kind !== 'imagenet' ||
    (options.imagenetA ?? options.imagenetR ?? options.imagenetC) === undefined
  )
    return { split: data.eval.name, clean };
  const imagenet = await evaluateImageNetRobustness(model, {
    classes: data.classes,
    batch,
    ...(options.imagenetA !== undefined ? { imagenetA: options.imagenetA } : {}),
    ...(options.imagenetR !== undefined ? { imagenetR: options.imagenetR } : {}),
    ...(options.imagenetC !== undefined ? { imagenetC: options.imagenetC } : {}),
    ...(options.corruptions ? { corruptions: options.corruptions } : {}),
  });
  return { split: data.eval.name, clean, imagenet };
}
