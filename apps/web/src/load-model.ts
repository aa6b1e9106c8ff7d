/**
 * A trained model from bytes: a checkpoint written by `msmoe train` (`best.safetensors`: its config inside) or
 * official-name weights (`saveWeights`, or a converted official checkpoint, with a config), plus its vocabulary.
 * @module
 */
import { FileFormatError, Rng, parseSafetensors } from '@momentum-smoe/core';
import { Vocabulary } from '@momentum-smoe/datasets';
import { type LmConfig, SmoeLanguageModel, loadOfficialStateDict } from '@momentum-smoe/models';
import * as tf from '@tensorflow/tfjs';

/** A model ready to run in the page. */
export interface LoadedModel {
  name: string;
  model: SmoeLanguageModel;
  vocab: Vocabulary;
}

/**
 * The generator a model is built with before its weights are assigned: it draws zeros, so construction skips the
 * random initialisation (about 0.5 s per default-run model) that the loaded weights replace anyway. Every parameter
 * is then assigned or the load fails.
 */
class NoInitRng extends Rng {
  override uniformArray(n: number): Float32Array {
    return new Float32Array(n);
  }

  override normalArray(n: number): Float32Array {
    return new Float32Array(n);
  }
}

/** Words of a `vocab.txt` (one per line, in id order). */
export function parseVocab(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((l) => l.replace(/\r$/, ''));
}

/**
 * Builds the model from safetensors bytes, a vocabulary file's text and, for official weights without one, a config.
 */
export function modelFromBytes(
  name: string,
  weights: Uint8Array,
  vocabText: string,
  config?: Record<string, unknown>,
): LoadedModel {
  const { tensors, metadata } = parseSafetensors(weights, name);
  const words = parseVocab(vocabText);
  let model: SmoeLanguageModel;
  if (metadata.format === 'msmoe-checkpoint-1') {
    const state = JSON.parse(metadata.state ?? '{}') as { run?: { model?: LmConfig } };
    const cfg = config ?? state.run?.model;
    if (!cfg) throw new FileFormatError(name, 'checkpoint without a model config');
    model = new SmoeLanguageModel(cfg, { rng: new NoInitRng(0) });
    const params = model.namedParameters();
    const problems: string[] = [];
    for (const [key, v] of params) {
      const t = tensors.get(`model/${key}`);
      if (!t) problems.push(`missing model/${key}`);
      else if (t.shape.join() !== v.shape.join()) problems.push(`model/${key}: [${t.shape}] ≠ [${v.shape}]`);
    }
    if (problems.length) {
      model.dispose();
      throw new FileFormatError(name, `checkpoint does not match its config: ${problems.join('; ')}`);
    }
    for (const [key, v] of params)
      tf.tidy(() => v.assign(tf.tensor(tensors.get(`model/${key}`)!.data, v.shape, 'float32')));
  } else {
    const cfg = config ?? (metadata.config ? (JSON.parse(metadata.config) as Record<string, unknown>) : undefined);
    if (!cfg) throw new FileFormatError(name, 'official weights without a config: add the model config JSON');
    model = new SmoeLanguageModel(cfg, { rng: new NoInitRng(0) });
    loadOfficialStateDict(model, tensors, name);
  }
  if (words.length !== model.config.vocab) {
    model.dispose();
    throw new FileFormatError(
      name,
      `the vocabulary has ${words.length} words but the model's vocab is ${model.config.vocab}: ` +
        "load the run's own vocab.txt",
    );
  }
  model.train(false);
  return { name, model, vocab: new Vocabulary(words) };
}

async function fetchOk(url: string): Promise<Response> {
  const r = await fetch(url);
  if (!r.ok) throw new FileFormatError(url, `HTTP ${r.status}`);
  return r;
}

/**
 * Loads a model from a URL: a folder (ending in `/`) holding `best.safetensors` and `vocab.txt`, or a `.safetensors`
 * URL with `vocab.txt` beside it.
 */
export async function modelFromUrl(url: string, name?: string): Promise<LoadedModel> {
  const weightsUrl = url.endsWith('/') ? `${url}best.safetensors` : url;
  const folder = weightsUrl.slice(0, weightsUrl.lastIndexOf('/') + 1);
  const [weights, vocab] = await Promise.all([
    fetchOk(weightsUrl).then(async (r) => new Uint8Array(await r.arrayBuffer())),
    fetchOk(`${folder}vocab.txt`).then((r) => r.text()),
  ]);
  return modelFromBytes(name ?? (url.replace(/\/+$/, '').split('/').slice(-2).join('/') || url), weights, vocab);
}

/**
 * Loads models from picked or dropped files: each `.safetensors` with the `vocab.txt` (and optional `.json` config).
 */
export async function modelsFromFiles(files: readonly File[]): Promise<LoadedModel[]> {
  const weights = files.filter((f) => f.name.endsWith('.safetensors'));
  const vocab = files.find((f) => f.name.endsWith('.txt'));
  const config = files.find((f) => f.name.endsWith('.json'));
  if (weights.length === 0 || !vocab)
    throw new FileFormatError(
      files.map((f) => f.name).join(', ') || '(no files)',
      'pick a .safetensors file and its vocab.txt together',
    );
  const vocabText = await vocab.text();
  const cfg = config ? (JSON.parse(await config.text()) as Record<string, unknown>) : undefined;
  return Promise.all(
    weights.map(async (w) => modelFromBytes(w.name, new Uint8Array(await w.arrayBuffer()), vocabText, cfg)),
  );
}
