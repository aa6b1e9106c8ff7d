/**
 * Incremental decoding for the language models: tokens go through the model one block at a time (a prompt, then one
 * token per step) with the attention cache carried, so each step costs one position, not the whole prefix. Because
 * every query sees exactly the `attnSpan` inputs before it through the cache, and the momentum state, the routing and
 * the LayerNorms act per position, a step gives the same log-probabilities as a forward pass over the whole prefix.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, Rng } from '@momentum-smoe/core';
import type { TokenChoicePlan } from '@momentum-smoe/routers';
import type { LmCache, LmForward, SmoeLanguageModel } from './lm.js';
import { type LmLayerValues, disposeLayerReports } from './layer-report.js';

/** The experts one MoE layer chose for one position, with their combine weights. */
export interface TokenRouting {
  /** The layer's index in `layers.{i}`. */
  layer: number;
  /** Experts chosen, in the router's slot order (k of them). */
  experts: number[];
  /** The combine weight of each chosen expert (sums to 1 for the softmax-over-top-k gate). */
  weights: number[];
}

/** What {@link LmDecoder.step} returns for a block of n positions. */
export interface DecodeStep {
  /** Log-probabilities of the next token after each position: n rows of V. */
  logProbs: Float32Array[];
  /** Per position, per MoE layer in depth order: the experts chosen and their weights. */
  routing: TokenRouting[][];
  /** The block's layer reports as numbers (tokens per expert, routing entropy, momentum state RMS). */
  layers: LmLayerValues[];
}

/** Sampling settings of {@link sampleToken} and {@link generateTokens}. */
export interface SamplingOptions {
  /** Softmax temperature; 0 (the default) picks the most likely token (greedy). */
  temperature?: number;
  /** Sample only among the k most likely tokens (0 or absent: all of them). */
  topK?: number;
}

/** Options of {@link generateTokens}. */
export interface GenerateOptions extends SamplingOptions {
  /** Tokens to generate. */
  tokens: number;
  /** Seed of the sampling generator (ignored when greedy). Default 0. */
  seed?: number;
  /** Called with each new token id and its step (e.g. to print text as it comes). */
  onToken?: (id: number, step: DecodeStep) => void;
}

/** One MoE layer's last routing decision of a block: its `[n, k]` ids and weights, kept past the forward scope. */
interface TracedLayer {
  layer: number;
  indices: tf.Tensor2D;
  weights: tf.Tensor2D;
}

/**
 * Runs the gates of `model` with `routeTrusted` (what an MoE layer calls) wrapped, so that the chosen experts and
 * weights of every position are kept (not read: the caller reads them, synchronously or not). Restores the gates.
 */
function traceRouting<T>(model: SmoeLanguageModel, run: () => T): { result: T; traced: TracedLayer[] } {
  const traced: TracedLayer[] = [];
  const gates = model.layers.items.flatMap((layer, index) => (layer.smoe ? [{ gate: layer.smoe.gate, index }] : []));
  for (const { gate, index } of gates) {
    const original = gate.routeTrusted.bind(gate);
    gate.routeTrusted = (x, options) => {
      const plan = original(x, options) as TokenChoicePlan;
      // The rule may evaluate the experts more than once per layer; the last evaluation is the one kept.
      const entry = { layer: index, indices: tf.keep(plan.indices), weights: tf.keep(plan.weights) };
      const at = traced.findIndex((e) => e.layer === index);
      if (at >= 0) tf.dispose([traced[at]!.indices, traced[at]!.weights]);
      if (at >= 0) traced[at] = entry;
      else traced.push(entry);
      return plan;
    };
  }
  let result: T;
  try {
    result = run();
  } finally {
    for (const { gate } of gates) delete (gate as { routeTrusted?: unknown }).routeTrusted;
  }
  return { result, traced };
}

/** A block that has run but whose results are still on the device. */
interface BlockRun {
  out: LmForward;
  traced: TracedLayer[];
  /** Every tensor to read, in the order {@link assemble} expects their values. */
  toRead: tf.Tensor[];
}

/** The values of a block run's tensors (read in `toRead` order) as a {@link DecodeStep}. */
function assemble(run: BlockRun, values: tf.TypedArray[], vocab: number): DecodeStep {
  const [flat, ...rest] = values; // [1, n, V] first
  const n = flat!.length / vocab;
  const logProbs = Array.from({ length: n }, (_, i) => Float32Array.from(flat!.subarray(i * vocab, (i + 1) * vocab)));
  const slots = (values: tf.TypedArray, p: number, k: number) => Array.from(values.subarray(p * k, (p + 1) * k));
  const routing = Array.from({ length: n }, (_, p) =>
    run.traced.map(({ layer, indices }, t) => ({
      layer,
      experts: slots(rest[2 * t]!, p, indices.shape[1]),
      weights: slots(rest[2 * t + 1]!, p, indices.shape[1]),
    })),
  );
  const reports = rest.slice(2 * run.traced.length);
  const layers = run.out.layers.map((r, i) => ({
    layer: r.layer,
    tokensPerExpert: Array.from(reports[4 * i]!),
    routingEntropy: reports[4 * i + 1]![0]!,
    dropRate: reports[4 * i + 2]![0]!,
    stateNorm: reports[4 * i + 3]![0]!,
  }));
  return { logProbs, routing, layers };
}

/**
 * A decoding session over one stream: feed token ids (a prompt, then each new token) and read the next-token
 * log-probabilities, with the attention cache carried between calls. Puts the model in evaluation mode while it
 * lives; {@link LmDecoder.dispose} frees the cache and restores the mode. {@link LmDecoder.step} reads its results
 * synchronously (the browser's backends); {@link LmDecoder.stepAsync} never does (webgpu in Node, where a
 * synchronous read throws).
 * @example
 * ```ts
 * const decoder = new LmDecoder(model);
 * let { logProbs } = decoder.step([12, 7, 300]); // the prompt
 * const next = sampleToken(logProbs.at(-1)!, {}); // greedy
 * ({ logProbs } = decoder.step([next]));
 * decoder.dispose();
 * ```
 */
export class LmDecoder {
  private cache: LmCache;
  private readonly wasTraining: boolean;
  /** Positions fed so far. */
  position = 0;

  constructor(private readonly model: SmoeLanguageModel) {
    this.wasTraining = model.training;
    model.train(false);
    this.cache = model.initCache(1);
  }

  /** Feeds `ids` (one or more positions) and returns the log-probabilities after each, with the routing. */
  step(ids: ArrayLike<number>): DecodeStep {
    const run = this.run(ids);
    try {
      return assemble(
        run,
        run.toRead.map((t) => t.dataSync() as tf.TypedArray),
        this.model.config.vocab,
      );
    } finally {
      this.free(run);
    }
  }

  /** {@link LmDecoder.step} with asynchronous reads only. */
  async stepAsync(ids: ArrayLike<number>): Promise<DecodeStep> {
    const run = this.run(ids);
    try {
      const values = await Promise.all(run.toRead.map((t) => t.data() as Promise<tf.TypedArray>));
      return assemble(run, values, this.model.config.vocab);
    } finally {
      this.free(run);
    }
  }

  /** Frees the cache and restores the model's training mode. */
  dispose(): void {
    tf.dispose(this.cache);
    this.cache = [];
    this.model.train(this.wasTraining);
  }

  /** Checks `ids`, runs them through the model with the cache carried, and advances the position. */
  private run(ids: ArrayLike<number>): BlockRun {
    const n = ids.length;
    if (n < 1) throw new ConfigError('LmDecoder.step: give at least one token id');
    const { vocab } = this.model.config;
    for (let i = 0; i < n; i++) {
      const id = ids[i]!;
      if (!Number.isInteger(id) || id < 0 || id >= vocab)
        throw new ConfigError(`LmDecoder.step: token id ${id} is outside [0, ${vocab})`);
    }
    const input = tf.tensor2d(Int32Array.from(ids), [1, n], 'int32');
    const { result: out, traced } = traceRouting(this.model, () => this.model.forward(input, this.cache));
    tf.dispose([input, this.cache]);
    this.cache = out.nextCache;
    this.position += n;
    const reports = out.layers.flatMap((r) => [r.tokensPerExpert, r.routingEntropy, r.dropRate, r.stateNorm]);
    return { out, traced, toRead: [out.logProbs, ...traced.flatMap((t) => [t.indices, t.weights]), ...reports] };
  }

  /** Frees a block run's tensors (not the cache it produced). */
  private free(run: BlockRun): void {
    tf.dispose([run.out.logProbs, run.out.auxLoss, ...run.traced.flatMap((t) => [t.indices, t.weights])]);
    disposeLayerReports(run.out.layers);
  }
}

/**
 * The ids of the k largest values, by decreasing value, ties by increasing id (the order a stable sort would give):
 * one pass with a sorted buffer of k, O(V·k) at worst and about V + k² log V for typical rows, far less than a sort.
 */
function topIds(values: ArrayLike<number>, k: number): number[] {
  const top: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (top.length === k && !(x > values[top[k - 1]!]!)) continue;
    let j = top.length === k ? k - 1 : top.length;
    while (j > 0 && values[top[j - 1]!]! < x) {
      top[j] = top[j - 1]!;
      j--;
    }
    top[j] = i;
  }
  return top;
}

/**
 * Picks the next token from one row of log-probabilities: the arg-max when `temperature` is 0 (ties: the lowest
 * id), else a draw from `softmax(logProbs / temperature)` restricted to the `topK` most likely tokens, using one
 * `rng.uniform()`.
 */
export function sampleToken(logProbs: ArrayLike<number>, options: SamplingOptions, rng?: Rng): number {
  const temperature = options.temperature ?? 0;
  const v = logProbs.length;
  if (!(temperature >= 0)) throw new ConfigError(`sampling: temperature must be ≥ 0, got ${temperature}`);
  if (temperature === 0) {
    let best = 0;
    for (let i = 1; i < v; i++) if (logProbs[i]! > logProbs[best]!) best = i;
    return best;
  }
  if (rng === undefined) throw new ConfigError('sampling with a temperature needs a seeded Rng');
  const k = options.topK && options.topK > 0 ? Math.min(options.topK, v) : v;
  const order =
    k < v
      ? topIds(logProbs, k)
      : Array.from({ length: v }, (_, i) => i).sort((a, b) => logProbs[b]! - logProbs[a]! || a - b);
  const top = logProbs[order[0]!]!;
  const weights = order.map((i) => Math.exp((logProbs[i]! - top) / temperature));
  const total = weights.reduce((s, w) => s + w, 0);
  let u = rng.uniform() * total;
  for (let j = 0; j < k; j++) {
    u -= weights[j]!;
    if (u < 0) return order[j]!;
  }
  return order[k - 1]!;
}

/**
 * Generates `tokens` ids after `prompt` (at least one id): the prompt goes through the model as one block, then
 * each new token as a block of one. Same model, prompt, options and seed → same ids. Reads nothing synchronously.
 * @example
 * ```ts
 * const options = { tokens: 20, temperature: 0.8, topK: 40, seed: 1 };
 * const ids = await generateTokens(model, Int32Array.from([5, 9, 2]), options);
 * ```
 */
export async function generateTokens(
  model: SmoeLanguageModel,
  prompt: ArrayLike<number>,
  options: GenerateOptions,
): Promise<Int32Array> {
  if (!Number.isInteger(options.tokens) || options.tokens < 0)
    throw new ConfigError(`generate: tokens must be a non-negative integer, got ${options.tokens}`);
  if (prompt.length < 1) throw new ConfigError('generate: the prompt needs at least one token');
  const rng = new Rng(options.seed ?? 0);
  const decoder = new LmDecoder(model);
  const out = new Int32Array(options.tokens);
  try {
    let step = await decoder.stepAsync(prompt);
    for (let t = 0; t < options.tokens; t++) {
      const id = sampleToken(step.logProbs.at(-1)!, options, rng);
      out[t] = id;
      step = await decoder.stepAsync([id]);
      options.onToken?.(id, step);
    }
  } finally {
    decoder.dispose();
  }
  return out;
}
