/**
 * What every trainer (language and vision) shares outside a run's identity: resume, early stop and progress options,
 * and the names of the two checkpoint files in a run folder.
 * @module
 */
import type { TensorData } from '@momentum-smoe/core';

/** Options of a training run that are not part of the run's identity. */
export interface TrainOptions {
  /** Continue from `outDir/last.safetensors` if it exists. */
  resume?: boolean;
  /** Stop once this step is reached, as if interrupted (for tests); see `checkpointOnStop`. */
  stopAt?: number;
  /** Stop at the end of the current step, e.g. on Ctrl-C. */
  signal?: AbortSignal;
  /** Write `last.safetensors` when stopping early (a graceful interrupt); `false` simulates a kill. Default true. */
  checkpointOnStop?: boolean;
  /** Progress bar label; `null` for none. */
  progressLabel?: string | null;
  /**
   * Initial parameter values by name (`msmoe train --init`, fine-tuning) in place of the seeded initialisation;
   * a checkpoint found on resume takes precedence.
   */
  initial?: Map<string, TensorData>;
}

/** The checkpoint written at every evaluation and on stop, for resume. */
export const LAST_CHECKPOINT = 'last.safetensors';
/** The checkpoint with the best evaluation so far. */
export const BEST_CHECKPOINT = 'best.safetensors';
