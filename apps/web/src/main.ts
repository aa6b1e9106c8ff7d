/**
 * The page: backend picker, models (URL, file picker, drag and drop, the served run's models), generation with the
 * routing of each token, heat maps, state norms, perplexity clean and attacked; and `window.msmoe` for automation.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import {
  type BackendName,
  type BackendStatus,
  availableBackends,
  configureWasmFiles,
  startBackend,
} from './backend.js';
import { type Generation, evaluate, generate, type GenerateSettings } from './engine.js';
import { type LoadedModel, modelFromUrl, modelsFromFiles } from './load-model.js';
import { el, heatMap, normChart, routingTable, tokenText } from './views.js';
import { type MsmoeApi, type ModelEvaluation, toEvaluation } from './api.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const models: LoadedModel[] = [];
let backend: BackendStatus | null = null;
const timings = { backendReadyMs: 0, modelsReadyMs: 0 };

function showBackend(status: BackendStatus): void {
  const box = $('backend-status');
  box.textContent =
    status.fallback ??
    `running on ${status.actual}${status.kernels.length ? ` with ${status.kernels.length} project kernels` : ''}`;
  box.className = status.fallback ? 'status warn' : 'status';
  box.dataset.backend = status.actual;
}

async function switchBackend(name: BackendName): Promise<BackendStatus> {
  backend = await startBackend(name);
  showBackend(backend);
  return backend;
}

function showModels(): void {
  $('model-list').replaceChildren(
    ...models.map((m) =>
      el(
        'span',
        { class: 'chip' },
        `${m.name} · ${m.model.config.arch} · ${m.model.parameterCount().toLocaleString('en-US')} params`,
      ),
    ),
  );
}

function addModels(loaded: LoadedModel[]): void {
  for (const m of loaded) {
    const at = models.findIndex((x) => x.name === m.name);
    if (at >= 0) models.splice(at, 1, m)[0]!.model.dispose();
    else models.push(m);
  }
  showModels();
}

async function guarded(task: () => Promise<void>): Promise<void> {
  $('load-error').textContent = '';
  try {
    await task();
  } catch (e) {
    $('load-error').textContent = (e as Error).message;
  }
}

/** The models the page starts with: `?models=url,url`, else the `models/index.json` a server put beside the page. */
async function defaultModels(): Promise<void> {
  const listed = params.get('models');
  let entries: { name?: string; url: string }[] = [];
  if (listed) entries = listed.split(',').map((url) => ({ url }));
  else {
    const r = await fetch('models/index.json').catch(() => null);
    if (r?.ok) entries = (await r.json()) as { name: string; url: string }[];
  }
  addModels(await Promise.all(entries.map((e) => modelFromUrl(new URL(e.url, location.href).href, e.name))));
}

function renderColumn(col: HTMLElement, m: LoadedModel, g: Pick<Generation, 'tokens'> & Partial<Generation>): void {
  const detail = el('div', { class: 'detail' });
  const pick = (i: number) => detail.replaceChildren(routingTable(g.tokens[i]!));
  const generated = g.tokens.filter((t) => t.generated).length;
  const meta =
    g.totalMs === undefined
      ? 'generating…'
      : `first token ${g.firstTokenMs!.toFixed(0)} ms · ${((generated * 1000) / g.totalMs).toFixed(1)} tokens/s`;
  const parts: Node[] = [el('h3', {}, m.name), tokenText(g.tokens, pick), detail, el('div', { class: 'meta' }, meta)];
  if (g.layers) {
    parts.push(el('div', {}, el('b', {}, 'tokens per expert'), el('br'), heatMap(g.layers)));
    parts.push(el('div', {}, el('b', {}, 'state norm across depth'), el('br'), normChart(g.layers)));
  }
  col.replaceChildren(...parts);
}

function settingsFromForm(): GenerateSettings {
  const num = (id: string) => Number(($(id) as HTMLInputElement).value);
  return { tokens: num('tokens'), seed: num('seed'), temperature: num('temperature'), topK: num('topk') };
}

async function generateAll(prompt: string, settings: GenerateSettings): Promise<Record<string, Generation>> {
  const out = $('outputs');
  out.replaceChildren(...models.map(() => el('div', { class: 'model-col' })));
  const results: Record<string, Generation> = {};
  for (const [i, m] of models.entries()) {
    const col = out.children[i] as HTMLElement;
    const g = await generate(m, prompt, {
      ...settings,
      onToken: async (tokens) => {
        renderColumn(col, m, { tokens });
        await new Promise((r) => setTimeout(r, 0)); // let the page paint
      },
    });
    renderColumn(col, m, g);
    results[m.name] = g;
  }
  return results;
}

function evaluateAll(text: string): Record<string, ModelEvaluation> {
  const results: Record<string, ModelEvaluation> = {};
  for (const m of models) results[m.name] = toEvaluation(evaluate(m, text));
  const rows = Object.entries(results).map(([name, r]) =>
    el(
      'tr',
      {},
      el('td', {}, name),
      el('td', {}, r.ppl.toFixed(2)),
      el('td', {}, r.attacked.ppl.toFixed(2)),
      el('td', {}, String(r.tokens)),
    ),
  );
  $('ppl-result').replaceChildren(
    el(
      'table',
      { class: 'ppl' },
      el(
        'tr',
        {},
        el('th', {}, 'model'),
        el('th', {}, 'PPL clean'),
        el('th', {}, 'PPL word swap'),
        el('th', {}, 'tokens'),
      ),
      ...rows,
    ),
  );
  return results;
}

function wireUi(): void {
  const select = $<HTMLSelectElement>('backend');
  select.replaceChildren(...availableBackends().map((b) => el('option', { value: b }, b)));
  select.addEventListener('change', () => void switchBackend(select.value as BackendName));
  $('url-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void guarded(async () =>
      addModels([await modelFromUrl(new URL(($('model-url') as HTMLInputElement).value, location.href).href)]),
    );
  });
  $<HTMLInputElement>('files').addEventListener('change', (e) => {
    void guarded(async () => addModels(await modelsFromFiles([...((e.target as HTMLInputElement).files ?? [])])));
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => (e.preventDefault(), drop.classList.add('over')));
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    void guarded(async () => addModels(await modelsFromFiles([...(e.dataTransfer?.files ?? [])])));
  });
  $('gen-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void guarded(async () => void (await generateAll(($('prompt') as HTMLTextAreaElement).value, settingsFromForm())));
  });
  $('ppl-button').addEventListener(
    'click',
    () => void guarded(async () => void evaluateAll(($('ppl-text') as HTMLTextAreaElement).value)),
  );
}

async function start(): Promise<void> {
  wireUi();
  configureWasmFiles(params.get('wasmPath'));
  const requested = (params.get('backend') ?? 'wasm') as BackendName;
  $<HTMLSelectElement>('backend').value = requested;
  await switchBackend(requested);
  timings.backendReadyMs = performance.now();
  await guarded(defaultModels);
  timings.modelsReadyMs = performance.now();
}

const ready = start();
const api: MsmoeApi = {
  ready,
  backend: () => ({ ...backend!, current: tf.getBackend() }),
  timings: () => ({ ...timings }),
  setBackend: (name) => switchBackend(name),
  models: () => models.map((m) => m.name),
  evaluate: (text) => evaluateAll(text),
  generate: async (prompt, options = {}) => {
    const m = options.model === undefined ? models[0] : models.find((x) => x.name === options.model);
    if (!m) throw new Error(`no model ${options.model ?? ''} loaded; models: ${models.map((x) => x.name).join(', ')}`);
    return (await generate(m, prompt, options)).text;
  },
  generateAll: async (prompt, options = {}) => {
    const all = await generateAll(prompt, options);
    return Object.fromEntries(
      Object.entries(all).map(([k, g]) => [
        k,
        { text: g.text, firstTokenMs: g.firstTokenMs, totalMs: g.totalMs, tokens: g.tokens.length },
      ]),
    );
  },
};
(window as unknown as { msmoe: MsmoeApi }).msmoe = api;
