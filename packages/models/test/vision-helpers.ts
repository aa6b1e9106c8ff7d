// Shared helpers of the vision tests: an independent parameter-count formula and float64 reference pieces.
import type { VisionMoEConfig } from '../src/vision/index.js';

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
