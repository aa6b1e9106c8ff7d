/**
 * One language-model training step (forward, backward, Adam) on random tokens, shared by `msmoe bench train-step
 * --profile` and the train-step benchmark, and the two configurations that benchmark measures.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@momentum-smoe/core';
import { SmoeLanguageModel, validateLmConfig, type LmConfig } from '@momentum-smoe/models';
import { Adam } from '../training/optimizer.js';

/** A benchmarked configuration: the model and the batch it trains on. */
export interface StepConfig {
  name: string;
  model: LmConfig;
  batch: number;
}

/**
 * The configurations of the training-speed comparison with PyTorch (vocabulary 10,000, 16 experts, top-2):
 * `small` (3 layers `smsmsm`, width 128, block 64, span 128, batch 8) and `mid` (2 layers `smsm`, width 352,
 * block 128, span 256, batch 4).
 */
export function stepConfigs(): StepConfig[] {
  const common = { vocab: 10_000, experts: 16, topK: 2, heads: 8 };
  return [
    {
      name: 'small',
      model: validateLmConfig({
        ...common,
        arch: 'smsmsm',
        layers: 3,
        dModel: 128,
        dHidden: 128,
        blockSize: 64,
        attnSpan: 128,
      }),
      batch: 8,
    },
    {
      name: 'mid',
      model: validateLmConfig({
        ...common,
        arch: 'smsm',
        layers: 2,
        dModel: 352,
        dHidden: 352,
        blockSize: 128,
        attnSpan: 256,
      }),
      batch: 4,
    },
  ];
}

/** A model, its optimiser and fixed random tokens, stepped by {@link TrainStep.step}. */
export interface TrainStep {
  model: SmoeLanguageModel;
  optimizer: Adam;
  /** Tokens one step trains on (batch × block). */
  tokens: number;
  /** One step; resolves once its loss can be read. */
  step(): Promise<void>;
  /** Frees the model, optimiser, tokens and cache. */
  dispose(): void;
}

/** Builds a model (seeded) for `config` with `batch` streams of random tokens; the attention cache is carried. */
export function makeTrainStep(config: LmConfig, batch: number, seed = 0): TrainStep {
  const rng = new Rng(seed);
  const model = new SmoeLanguageModel(config, { rng });
  const optimizer = new Adam(model.namedParameters());
  const m = config.blockSize;
  const ids = () =>
    tf.tensor2d(
      Int32Array.from({ length: batch * m }, () => rng.int(config.vocab)),
      [batch, m],
      'int32',
    );
  const [x, y] = [ids(), ids()];
  let cache = model.initCache(batch);
  return {
    model,
    optimizer,
    tokens: batch * m,
    async step() {
      let next: tf.Tensor3D[] = [];
      const { value, grads } = tf.variableGrads(() => {
        const out = model.loss(x, y, cache);
        next = out.nextCache.map((t) => tf.keep(t));
        return out.loss;
      });
      optimizer.apply(grads, 1e-4).dispose();
      await value.data(); // the step is done once its loss can be read
      tf.dispose([value, ...Object.values(grads), ...cache]);
      cache = next;
    },
    dispose() {
      tf.dispose([x, y, ...cache]);
      optimizer.dispose();
      model.dispose();
    },
  };
}
