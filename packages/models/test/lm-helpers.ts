/** Shared fixtures of the language-model tests. */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@momentum-smoe/core';
import { SmoeLanguageModel, type LmConfig } from '../src/index.js';

/** A tiny configuration; override any field. */
export function tinyConfig(overrides: Partial<LmConfig> = {}): Record<string, unknown> {
  return {
    arch: 'smsm',
    layers: 2,
    dModel: 16,
    dHidden: 12,
    heads: 2,
    blockSize: 4,
    attnSpan: 6,
    experts: 4,
    topK: 2,
    dropout: 0,
    vocab: 23,
    ...overrides,
  };
}

/** A tiny model from {@link tinyConfig}, seeded. */
export function tinyModel(overrides: Partial<LmConfig> = {}, seed = 1): SmoeLanguageModel {
  return new SmoeLanguageModel(tinyConfig(overrides), { rng: new Rng(seed) });
}

/** Random token ids [B, M] (int32) from a seeded generator. */
export function randomIds(rng: Rng, b: number, m: number, vocab: number): tf.Tensor2D {
  const ids = new Int32Array(b * m);
  for (let i = 0; i < ids.length; i++) ids[i] = rng.int(vocab);
  return tf.tensor2d(ids, [b, m], 'int32');
}

/** Largest absolute difference between two equally shaped tensors. */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

/** Forces where every MoE gate of `model` makes its top-k choice (`auto` picks by backend). */
export function setRouting(model: SmoeLanguageModel, routing: 'host' | 'device'): void {
  for (const layer of model.layers.items) if (layer.smoe) layer.smoe.gate.routing = routing;
}
