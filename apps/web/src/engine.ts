/**
 * What the page computes, without the DOM: generation token by token with the routing of every token, and the
 * perplexity of a text, clean and under the word-swap attack. Same defaults and order of random draws as
 * `msmoe generate`, so the same seed gives the same text.
 * @module
 */
import { Rng } from '@momentum-smoe/core';
import { WordSwapAttack, idsToText, textToWords, wordsToIds } from '@momentum-smoe/datasets';
import { LmDecoder, sampleToken, type LmLayerValues, type TokenRouting } from '@momentum-smoe/models';
import type { LoadedModel } from './load-model.js';

/** `msmoe generate`'s defaults. */
export const GENERATE_DEFAULTS = { tokens: 40, seed: 1, temperature: 0.8, topK: 40 };

/** The word-swap attack of the default run (rate 0.015; the swap token becomes `<unk>`). */
export const ATTACK = { rate: 0.015, token: 'AAA' };

/** One token on screen. */
export interface TokenView {
  id: number;
  word: string;
  /** True for generated tokens, false for the prompt's. */
  generated: boolean;
  /** Per MoE layer: the experts chosen at this position and their weights. */
  routing: TokenRouting[];
}

/** Per MoE layer over all the tokens on screen. */
export interface LayerSummary {
  layer: number;
  tokensPerExpert: number[];
  /** RMS of the momentum / Adam state over every position fed (0 for plain SMoE layers). */
  stateNorm: number;
}

/** Sums the layer reports of several decoder steps (each weighted by its positions for the state RMS). */
export function summarise(steps: { positions: number; layers: LmLayerValues[] }[]): LayerSummary[] {
  const first = steps[0]?.layers ?? [];
  return first.map((l, i) => {
    const perExpert = new Array<number>(l.tokensPerExpert.length).fill(0);
    let squares = 0;
    let positions = 0;
    for (const s of steps) {
      const v = s.layers[i]!;
      v.tokensPerExpert.forEach((c, e) => (perExpert[e]! += c));
      squares += s.positions * v.stateNorm ** 2;
      positions += s.positions;
    }
    return { layer: l.layer, tokensPerExpert: perExpert, stateNorm: Math.sqrt(squares / Math.max(positions, 1)) };
  });
}

/** Options of {@link generate}. */
export interface GenerateSettings {
  tokens?: number;
  seed?: number;
  temperature?: number;
  topK?: number;
  /** Called after each token (yield to the page here); return false to stop. */
  onToken?: (tokens: TokenView[]) => Promise<boolean | void> | boolean | void;
}

/** A finished generation. */
export interface Generation {
  /** Prompt and continuation as text (what `msmoe generate` prints). */
  text: string;
  tokens: TokenView[];
  layers: LayerSummary[];
  /** Milliseconds to the first generated token (prompt included) and for all of them. */
  firstTokenMs: number;
  totalMs: number;
}

/** Continues `prompt` with `m`: the prompt as one block, then one token per step, sampled with `Rng(seed)`. */
export async function generate(m: LoadedModel, prompt: string, settings: GenerateSettings = {}): Promise<Generation> {
  const { tokens, seed, temperature, topK } = { ...GENERATE_DEFAULTS, ...settings };
  const promptIds = wordsToIds(textToWords(prompt, { finalEos: false }), m.vocab);
  if (promptIds.length === 0) throw new Error('the prompt has no words');
  const t0 = performance.now();
  const rng = new Rng(seed);
  const decoder = new LmDecoder(m.model);
  const view: TokenView[] = [];
  const steps: { positions: number; layers: LmLayerValues[] }[] = [];
  let firstTokenMs = 0;
  try {
    let step = decoder.step(promptIds);
    steps.push({ positions: promptIds.length, layers: step.layers });
    promptIds.forEach((id, i) =>
      view.push({ id, word: m.vocab.word(id), generated: false, routing: step.routing[i]! }),
    );
    for (let t = 0; t < tokens; t++) {
      const id = sampleToken(step.logProbs.at(-1)!, { temperature, topK }, rng);
      if (t === 0) firstTokenMs = performance.now() - t0;
      step = decoder.step([id]);
      steps.push({ positions: 1, layers: step.layers });
      view.push({ id, word: m.vocab.word(id), generated: true, routing: step.routing[0]! });
      if ((await settings.onToken?.(view)) === false) break;
    }
  } finally {
    decoder.dispose();
  }
  return {
    text: idsToText(
      view.map((v) => v.id),
      m.vocab,
    ),
    tokens: view,
    layers: summarise(steps),
    firstTokenMs,
    totalMs: performance.now() - t0,
  };
}

/** Perplexity of one token sequence. */
export interface Scored {
  /** Mean NLL per predicted token, in nats. */
  loss: number;
  ppl: number;
  /** Tokens predicted (all but the first). */
  tokens: number;
  /** log p(token i+1 | tokens ≤ i) for each predicted token. */
  logProbs: number[];
  /** The layer reports of each block (blocks of the model's `blockSize`, cache carried). */
  blocks: LmLayerValues[][];
}

/** Scores `ids` in blocks of the model's block size with the cache carried (the official evaluation, one stream). */
export function score(m: LoadedModel, ids: Int32Array): Scored {
  if (ids.length < 2) throw new Error('the text needs at least two tokens');
  const block = m.model.config.blockSize;
  const decoder = new LmDecoder(m.model);
  const logProbs: number[] = [];
  const blocks: LmLayerValues[][] = [];
  try {
    for (let start = 0; start < ids.length - 1; start += block) {
      const chunk = ids.subarray(start, Math.min(start + block, ids.length - 1));
      const step = decoder.step(chunk);
      blocks.push(step.layers);
      step.logProbs.forEach((row, i) => logProbs.push(row[ids[start + i + 1]!]!));
    }
  } finally {
    decoder.dispose();
  }
  const loss = -logProbs.reduce((s, x) => s + x, 0) / logProbs.length;
  return { loss, ppl: Math.exp(loss), tokens: logProbs.length, logProbs, blocks };
}

/** Clean and attacked perplexity of a text. */
export interface Evaluation {
  clean: Scored;
  attacked: Scored;
}

/** Tokenises `text` as a file (an `<eos>` per line), scores it, then scores it again with the word-swap attack. */
export function evaluate(m: LoadedModel, text: string, attackSeed = 0): Evaluation {
  const clean = wordsToIds(textToWords(text, { finalEos: true }), m.vocab);
  const attack = new WordSwapAttack({ rate: ATTACK.rate, token: ATTACK.token, seed: attackSeed });
  const attackedText = text
    .split(/\r\n|\n|\r/)
    .map(attack.attackLine)
    .join('\n');
  const attacked = wordsToIds(textToWords(attackedText, { finalEos: true }), m.vocab, ATTACK.token);
  return { clean: score(m, clean), attacked: score(m, attacked) };
}
