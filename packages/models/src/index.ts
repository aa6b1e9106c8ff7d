/**
 * `@momentum-smoe/models`: the model zoo. Language models with the official WikiText-103 backbone (SMoE,
 * MomentumSMoE, AdamSMoE, GLaM and a Robust MomentumSMoE extension), presets per paper configuration, official
 * checkpoint names, the official full evaluation; and the vision models (V-MoE, Soft MoE ViT).
 * @packageDocumentation
 */
export { LayerNorm } from './nn/layer-norm.js';
export { Linear } from './nn/linear.js';
export { Embedding } from './nn/embedding.js';
export { dropout } from './nn/dropout.js';
export {
  LM_CONFIG_FIELDS,
  lmConfigHelp,
  validateLmConfig,
  type LmConfig,
  type LmConfigField,
  type LmConfigKey,
} from './lm/config.js';
export { parseArch, type LayerSpec, type SublayerKind } from './lm/arch.js';
export { MultiHeadSeqAttention, type SeqAttentionOptions, skew, unskew } from './lm/attention.js';
export { FeedForward } from './lm/feed-forward.js';
export { MoeSublayer, type MoeSublayerOptions, type MoeSublayerOutput } from './lm/moe-sublayer.js';
export { TransformerSeqLayer, type LayerOutput } from './lm/layer.js';
export { modelRules, type ModelRules } from './lm/rules.js';
export { SmoeLanguageModel, ModuleList, type LmCache, type LmForward, type LmLoss } from './lm/lm.js';
export {
  disposeLayerReports,
  keepLayerReports,
  readLayerReports,
  type LmLayerReport,
  type LmLayerValues,
} from './lm/layer-report.js';
export { projectedNll } from './lm/nll-head.js';
export { lmPreset, LM_PRESET_NAMES, WIKITEXT103_VOCAB, type LmPreset, type LmOptimSettings } from './lm/presets.js';
export { officialEntries, lmParameterCount, type OfficialEntry, type OfficialLayout } from './lm/official-names.js';
export { officialStateDict, loadOfficialStateDict, saveWeights, loadWeights } from './lm/weights.js';
export {
  LmDecoder,
  generateTokens,
  sampleToken,
  type DecodeStep,
  type GenerateOptions,
  type SamplingOptions,
  type TokenRouting,
} from './lm/generate.js';
export { evaluateLm, type EvaluateLmOptions, type LmEvaluation } from './lm/eval.js';
export * from './vision/index.js';
