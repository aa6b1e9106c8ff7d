/** Models trained in Node for a few steps, written as a run folder would hold them, and their Node log-probs. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Rng, writeSafetensors, type TensorData } from '@momentum-smoe/core';
import { type LmConfig, SmoeLanguageModel, saveWeights } from '@momentum-smoe/models';

/** A small corpus: sentences over 40 words. */
export const WORDS = ['<unk>', '<eos>', ...Array.from({ length: 38 }, (_, i) => `w${i}`)];

/** Trains `config` for `steps` Adam steps on seeded random text and returns the model (evaluation mode). */
export function trainTiny(config: Record<string, unknown>, seed: number, steps = 3): SmoeLanguageModel {
  const model = new SmoeLanguageModel(config, { rng: new Rng(seed) });
  const rng = new Rng(seed + 100);
  const { blockSize: m, vocab } = model.config;
  const opt = tf.train.adam(3e-3);
  let cache = model.initCache(4);
  for (let s = 0; s < steps; s++) {
    const x = tf.tensor2d(
      Int32Array.from({ length: 4 * m }, () => 2 + rng.int(vocab - 2)),
      [4, m],
      'int32',
    );
    const y = tf.tensor2d(
      Int32Array.from({ length: 4 * m }, () => 2 + rng.int(vocab - 2)),
      [4, m],
      'int32',
    );
    let next: tf.Tensor3D[] = [];
    opt.minimize(() => {
      const out = model.loss(x, y, cache);
      next = out.nextCache.map((t) => tf.keep(t));
      for (const r of out.layers) tf.dispose([r.tokensPerExpert, r.routingEntropy, r.dropRate, r.stateNorm]);
      return out.loss;
    });
    tf.dispose([x, y, ...cache]);
    cache = next;
  }
  tf.dispose(cache);
  opt.dispose();
  return model.train(false);
}

/**
 * Writes the model as `msmoe train` does (a checkpoint with `model/<name>` tensors and its config) or as official
 * weights.
 */
export async function writeRun(
  dir: string,
  model: SmoeLanguageModel,
  format: 'checkpoint' | 'official',
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'vocab.txt'), WORDS.join('\n') + '\n');
  if (format === 'official') return saveWeights(model, join(dir, 'best.safetensors'));
  const tensors = new Map<string, TensorData>();
  for (const [name, v] of model.namedParameters())
    tensors.set(`model/${name}`, { dtype: 'float32', shape: [...v.shape], data: v.dataSync() as Float32Array });
  await writeSafetensors(join(dir, 'best.safetensors'), tensors, {
    format: 'msmoe-checkpoint-1',
    state: JSON.stringify({ run: { model: model.config satisfies LmConfig } }),
  });
}
