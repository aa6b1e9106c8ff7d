/**
 * `@momentum-smoe/train`: the `msmoe` command, also usable programmatically.
 * @packageDocumentation
 */
export { main } from './main.js';
export { COMMANDS } from './commands/index.js';
export type { Command } from './commands/command.js';
export {
  UsageError,
  parseFlags,
  helpText,
  closest,
  intFlag,
  numberFlag,
  type FlagSpec,
  type FlagSpecs,
} from './args.js';
export { Adam, type AdamOptions } from './training/optimizer.js';
export { warmupConstant, warmupLinearDecay } from './training/schedule.js';
export { saveCheckpoint, loadCheckpoint, type Checkpoint } from './training/checkpoint.js';
export { linePlot, groupedBars, type Series } from './report/svg.js';
export { ProgressBar, formatDuration } from './report/progress.js';
export { meanStd, formatMeanStd, markdownTable } from './report/table.js';
export { trainLm, type LmRunConfig, type LmRunResult, type LmTrainOptions } from './training/lm-trainer.js';
export { DataParallel, DataParallelError, type Share } from './training/data-parallel.js';
export type { StepSync } from './training/loop.js';
export { compareVariants, type CompareBudget, type CompareOptions, type VariantResult } from './training/compare.js';
export { loadLmData, type LmData, type LmDataOptions } from './data/lm-data.js';
export { capVocabulary, applyVocabCap, type VocabCap } from './data/vocab-cap.js';
export { MetricsLog, type MetricsRecord } from './report/metrics-log.js';
export { writeCompareReport, pplTable, type CompareReportFiles } from './report/compare-report.js';
export { toTensorData, assignFrom } from './training/tensor-data.js';
export {
  loadVisionData,
  digitsToInput,
  digitSplit,
  folderSplit,
  type VisionData,
  type VisionDataSpec,
  type VisionDataState,
  type VisionBatch,
  type TrainStream,
  type EvalSplit,
} from './data/vision-data.js';
export {
  trainVision,
  type VisionRunConfig,
  type VisionRunResult,
  type VisionTrainOptions,
  type VisionEvalRecord,
} from './training/vision-trainer.js';
export {
  evaluateVision,
  evaluateSplit,
  evaluateMnistRobustness,
  evaluateImageNetRobustness,
  corruptionMCE,
  type SplitAccuracy,
  type CorruptionBaseline,
  type MnistRobustness,
  type MnistRobustnessOptions,
  type ImageNetRobustness,
  type ImageNetRobustnessOptions,
  type VisionEvalOptions,
  type VisionEvaluation,
} from './training/vision-eval.js';
export {
  compareVision,
  VISION_VARIANT_PRESETS,
  type VisionVariantResult,
  type VisionCompareOptions,
} from './vision/compare-vision.js';
export { visionRecipe, VMOE_LIGHT1, MNIST_SHIFT, type VisionRecipe, type VisionAugment } from './vision/recipe.js';
export {
  corruptDigits,
  MNIST_CORRUPTIONS,
  MNIST_CORRUPTION_PARAMETERS,
  type MnistCorruption,
} from './vision/mnist-corruptions.js';
export { isKernel, kernelDecayMask } from './vision/weight-decay.js';
export { labelRanks, addTopK, accuracies, type TopKCounts } from './vision/top-k.js';
export { modelRngs, modelRngStates, setModelRngStates } from './vision/model-rngs.js';
export { VARIANT_PRESETS } from './commands/compare.js';
export { DEFAULT_VARIANTS } from './commands/default.js';
export { BEST_CHECKPOINT, LAST_CHECKPOINT, type TrainOptions } from './training/run-options.js';
