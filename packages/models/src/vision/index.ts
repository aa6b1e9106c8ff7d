/**
 * Vision MoE models: V-MoE and Soft MoE ViT, with MomentumV-MoE and Robust MomentumV-MoE.
 * @module
 */
export { VisionMoE, type VisionForwardOutput, type VisionLossOutput } from './vision-moe.js';
export {
  validateVisionConfig,
  type VisionMoEConfig,
  type VisionMoESettings,
  type VisionMomentum,
  type VisionRouterKind,
} from './config.js';
export { visionPreset, VISION_PRESET_NAMES, type VisionPresetName } from './presets.js';
export { PatchEmbedding, type PatchEmbeddingOptions } from './patch-embedding.js';
export { SelfAttention } from './attention.js';
export { MlpBlock, geluTanh } from './mlp-block.js';
export { VisionEncoderBlock, VISION_LN_EPS, type EncoderBlockOutput } from './encoder-block.js';
export { GroupedMoE, type BlockRouting } from './grouped-moe.js';
export { MomentumWiring } from './momentum-wiring.js';
export { createMoELayer } from './moe-factory.js';
export { sigmoidCrossEntropy } from './loss.js';
export { xavierUniform, lecunNormal, flaxLinear, type FlaxLinearInit } from './init.js';
