/**
 * Builds one MoE layer of a vision model from its config: V-MoE's noisy top-k router or Soft MoE's slots, and an
 * expert bank initialised as V-MoE does.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { normalInit, type Rng } from '@momentum-smoe/core';
import { ExpertBank, MoELayer } from '@momentum-smoe/experts';
import { NoisyTopKRouter, SoftMoERouter } from '@momentum-smoe/routers';
import type { VisionMoEConfig } from './config.js';
import { xavierUniform } from './init.js';

/**
 * V-MoE's expert init: every expert starts as the same Flax `MlpBlock` (`split_rngs=False`): Xavier-uniform kernels
 * and N(0, 1e-6²) biases, drawn once and repeated over the E experts.
 */
function shareVMoEInit(bank: ExpertBank, rng: Rng): void {
  const { experts: e, dIn, dHidden, dOut } = bank;
  const repeat = (t: tf.Tensor) => tf.tidy(() => tf.tile(tf.expandDims(t, 0), [e, ...t.shape.map(() => 1)]));
  const draws: [tf.Variable, tf.Tensor][] = [
    [bank.w1, xavierUniform(rng, [dIn, dHidden])],
    [bank.b1, normalInit(rng, [dHidden], 1e-6)],
    [bank.w2, xavierUniform(rng, [dHidden, dOut])],
    [bank.b2, normalInit(rng, [dOut], 1e-6)],
  ];
  for (const [param, value] of draws) {
    const tiled = repeat(value);
    param.assign(tiled);
    tf.dispose([tiled, value]);
  }
}

/**
 * One MoE layer for `config`: `noisy-top-k` → {@link NoisyTopKRouter} (no bias, noise std `noiseStd/E` in training,
 * capacity factor train/eval, batch priority, importance and load losses); `soft` → {@link SoftMoERouter}. Experts:
 * `d → expertHidden → d` with GELU and `expertDropout`. Router and experts draw from their own forks of `rng`.
 */
export function createMoELayer(config: VisionMoEConfig, rng: Rng): MoELayer {
  const { hidden: d, moe } = config;
  const router =
    moe.router === 'noisy-top-k'
      ? new NoisyTopKRouter({
          dModel: d,
          experts: moe.experts,
          topK: moe.topK,
          rng: rng.fork(),
          noiseStd: moe.noiseStd,
          capacityFactor: moe.capacityFactor.train,
          evalCapacityFactor: moe.capacityFactor.eval,
          batchPriority: moe.batchPriority,
          lossWeights: { importance: moe.importanceLossWeight, load: moe.loadLossWeight },
        })
      : new SoftMoERouter({
          dModel: d,
          experts: moe.experts,
          slotsPerExpert: moe.slotsPerExpert,
          rng: rng.fork(),
          normalize: moe.softNormalize ?? false,
        });
  const bank = new ExpertBank({
    experts: moe.experts,
    dIn: d,
    dHidden: moe.expertHidden,
    activation: 'gelu',
    dropout: moe.expertDropout,
    init: 'torch',
    rng: rng.fork(),
  });
  shareVMoEInit(bank, rng);
  return new MoELayer(router, bank);
}
