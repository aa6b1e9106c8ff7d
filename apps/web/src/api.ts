/**
 * `window.msmoe`: the page for automation and for the console.
 * @module
 */
import type { LmLayerValues } from '@momentum-smoe/models';
import type { BackendName, BackendStatus } from './backend.js';
import type { Evaluation } from './engine.js';

/** One model's score of a text. */
export interface ModelEvaluation {
  loss: number;
  ppl: number;
  tokens: number;
  /** log p of each predicted token. */
  logProbs: number[];
  /** Layer reports per block of the clean text. */
  blocks: LmLayerValues[][];
  attacked: { loss: number; ppl: number; tokens: number };
}

/** What `window.msmoe` offers. */
export interface MsmoeApi {
  /** Resolves when the backend runs and the page's default models are loaded. */
  ready: Promise<void>;
  /** The backend status, with `current` = `tf.getBackend()` now. */
  backend(): BackendStatus & { current: string };
  setBackend(name: BackendName): Promise<BackendStatus>;
  /** When the backend was ready and when the default models were loaded (ms since the page opened). */
  timings(): { backendReadyMs: number; modelsReadyMs: number };
  /** Names of the loaded models. */
  models(): string[];
  /** Perplexity of `text` per model, clean and under the word-swap attack. */
  evaluate(text: string): Record<string, ModelEvaluation>;
  /** Prompt and continuation (as `msmoe generate` prints it) from one model (default: the first). */
  generate(
    prompt: string,
    options?: { tokens?: number; seed?: number; temperature?: number; topK?: number; model?: string },
  ): Promise<string>;
  /** Generates with every model on screen, as the generate button does; text and timings per model. */
  generateAll(
    prompt: string,
    options?: { tokens?: number; seed?: number; temperature?: number; topK?: number },
  ): Promise<Record<string, { text: string; firstTokenMs: number; totalMs: number; tokens: number }>>;
}

/** The plain-number view of an {@link Evaluation}. */
export function toEvaluation(e: Evaluation): ModelEvaluation {
  const { loss, ppl, tokens, logProbs, blocks } = e.clean;
  return {
    loss,
    ppl,
    tokens,
    logProbs,
    blocks,
    attacked: { loss: e.attacked.loss, ppl: e.attacked.ppl, tokens: e.attacked.tokens },
  };
}
