/**
 * One language-model training step (forward, backward, the gradient all-reduce when data-parallel, Adam) on random
 * tokens, shared by `msmoe bench train-step` (with and without `--profile`) and the train-step benchmark, and the two
 * configurations that benchmark measures.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@momentum-smoe/core';
import { SmoeLanguageModel, validateLmConfig, type LmConfig } from '@momentum-smoe/models';
import type { StepSync } from '../training/loop.js';
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

/** Training steps on fixed random tokens, stepped by {@link TokenSteps.step}. */
export interface TokenSteps {
  /** Tokens one step trains on (batch × block). */
  tokens: number;
  /** One step; resolves once its loss can be read, with the time (ms) the gradient all-reduce took (0 without). */
  step(): Promise<number>;
  /** Frees the tokens and the attention cache. */
  dispose(): void;
}

/**
 * Steps of `model` with `optimizer` on `batch` streams of random tokens drawn from `rng`, the attention cache carried
 * from step to step; with `sync`, the gradients are averaged over the data-parallel ranks before the update.
 */
export function tokenSteps(
  model: SmoeLanguageModel,
  optimizer: Adam,
  batch: number,
  rng: Rng,
  sync: StepSync | null = null,
): TokenSteps {
  const { blockSize: m, vocab } = model.config;
  const ids = () =>
    // [batch, M]
    tf.tensor2d(
      Int32Array.from({ length: batch * m }, () => rng.int(vocab)),
      [batch, m],
      'int32',
    );
  const [x, y] = [ids(), ids()];
  let cache = model.initCache(batch);
  return {
    tokens: batch * m,
    async step() {
      let next: tf.Tensor3D[] = [];
      const { value, grads: rankGrads } = tf.variableGrads(() => {
        const out = model.loss(x, y, cache);
        next = out.nextCache.map((t) => tf.keep(t));
        return out.loss;
      });
      let grads = rankGrads;
      let reduceMs = 0;
      if (sync) {
        const t0 = performance.now();
        grads = await sync.meanGradients(grads, []);
        reduceMs = performance.now() - t0;
      }
      optimizer.apply(grads, 1e-4).dispose();
      await value.data(); // the step is done once its loss can be read
      tf.dispose([value, ...Object.values(grads), ...cache]);
      cache = next;
      return reduceMs;
    },
    dispose: () => tf.dispose([x, y, ...cache]),
  };
}

/** A model, its optimiser and fixed random tokens, stepped by {@link TrainStep.step}. */
export interface TrainStep extends TokenSteps {
  model: SmoeLanguageModel;
  optimizer: Adam;
  /** Frees the model, optimiser, tokens and cache. */
  dispose(): void;
}

/** Builds a model (seeded) for `config` with `batch` streams of random tokens; the attention cache is carried. */
export function makeTrainStep(config: LmConfig, batch: number, seed = 0): TrainStep {
  const rng = new Rng(seed);
  const model = new SmoeLanguageModel(config, { rng });
  const optimizer = new Adam(model.namedParameters());
  const steps = tokenSteps(model, optimizer, batch, rng);
  return {
    model,
    optimizer,
    tokens: steps.tokens,
    step: () => steps.step(),
    dispose() {
      steps.dispose();
      optimizer.dispose();
      model.dispose();
    },
  };
}
