// Shared helpers of the vision tests: an independent parameter-count formula and float64 reference pieces.
import { NoisyTopKRouter } from '@momentum-smoe/routers';
import { GroupedMoE, type VisionMoE, type VisionMoEConfig, visionPreset } from '../src/vision/index.js';

/** Parameter count of a vision config, written from the architecture description (not from the code). */
export function expectedParameterCount(c: VisionMoEConfig): number {
  const d = c.hidden;
  const patches = (c.imageSize / c.patchSize) ** 2;
  const tokens = patches + (c.classifier === 'token' ? 1 : 0);
  let n = c.patchSize * c.patchSize * c.channels * d + d; // patch kernel + bias
  if (c.classifier === 'token') n += d; // CLS
  n += tokens * d; // position embeddings
  const ln = 2 * d;
  const momentum = c.momentum.kind !== 'none';
  for (let b = 0; b < c.blocks; b++) {
    n += ln + 4 * (d * d + d) + ln; // LN1, q/k/v/out, LN2
    if (c.moe.blocks.includes(b)) {
      const { experts: e, expertHidden: h } = c.moe;
      n += c.moe.router === 'soft' ? d * e * c.moe.slotsPerExpert : d * e; // router (no bias)
      if (c.moe.router === 'soft' && c.moe.softNormalize) n += 1; // the learned logit scale
      n += e * (d * h + h + h * d + d);
    } else n += d * c.mlpDim + c.mlpDim + c.mlpDim * d + d;
    if (momentum) n += ln; // post-LN
  }
  n += ln; // encoder norm
  const rep = c.representationSize;
  if (rep !== null) n += d * rep + rep;
  n += (rep ?? d) * c.numClasses + c.numClasses;
  return n;
}

/** Float64 LayerNorm of each row of `x` (row length `d`) with the given scale, bias and ε. */
export function layerNorm64(
  x: Float64Array,
  d: number,
  scale: ArrayLike<number>,
  bias: ArrayLike<number>,
  eps: number,
): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / d; r++) {
    let mean = 0;
    for (let i = 0; i < d; i++) mean += x[r * d + i]!;
    mean /= d;
    let v = 0;
    for (let i = 0; i < d; i++) v += (x[r * d + i]! - mean) ** 2;
    const inv = 1 / Math.sqrt(v / d + eps);
    for (let i = 0; i < d; i++) out[r * d + i] = (x[r * d + i]! - mean) * inv * scale[i]! + bias[i]!;
  }
  return out;
}

/**
 * A small V-MoE for tests from an MNIST preset: 2 blocks (block 1 an MoE of 4 experts), width 16, routing groups of 2
 * images (34 tokens), and a training capacity factor of 0.5 (capacity 12 for 68 assignments), so slots drop.
 */
export function tinyVisionConfig(preset: 'vmoe-mnist' | 'momentum-vmoe-mnist' | 'robust-vmoe-mnist'): VisionMoEConfig {
  const base = visionPreset(preset);
  return {
    ...base,
    hidden: 16,
    mlpDim: 32,
    heads: 2,
    blocks: 2,
    representationSize: 16,
    moe: {
      ...base.moe,
      blocks: [1],
      expertHidden: 32,
      groupSize: 2,
      batchPriority: true,
      capacityFactor: { train: 0.5, eval: 1 },
    },
  };
}

/** Forces every V-MoE router of `model` to route on the host or on the device. */
export function setVisionRouting(model: VisionMoE, routing: 'host' | 'device'): void {
  for (const block of model.blocks) {
    if (block.mlp instanceof GroupedMoE && block.mlp.layer.router instanceof NoisyTopKRouter) {
      block.mlp.layer.router.routing = routing;
    }
  }
}
