/**
 * Language-model weights by their official PyTorch state_dict names, in safetensors files.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { FileFormatError, type TensorData, listSome, readSafetensors, writeSafetensors } from '@momentum-smoe/core';
import { type OfficialEntry, type OfficialLayout, officialEntries } from './official-names.js';
import type { SmoeLanguageModel } from './lm.js';

const PERM: Record<OfficialLayout, number[] | null> = { same: null, transpose: [1, 0], transposeLast2: [0, 2, 1] };
const DDP_PREFIX = 'module.';

function entriesWithVariables(model: SmoeLanguageModel): { entry: OfficialEntry; variable: tf.Variable }[] {
  const params = model.namedParameters();
  return officialEntries(model.config).map((entry) => {
    const variable = params.get(entry.ours);
    if (!variable) throw new Error(`internal: official entry ${entry.official} has no parameter '${entry.ours}'`);
    return { entry, variable };
  });
}

/** Each official entry with its parameter in the official layout (a new tensor where transposed: the caller frees). */
function officialTensors(model: SmoeLanguageModel): { entry: OfficialEntry; tensor: tf.Tensor; owned: boolean }[] {
  return entriesWithVariables(model).map(({ entry, variable }) => {
    const perm = PERM[entry.layout];
    return { entry, tensor: perm ? tf.transpose(variable, perm) : variable, owned: perm !== null };
  });
}

/** The entries and their values (read synchronously or not) as a state_dict; frees the transposed copies. */
function toStateDict(parts: ReturnType<typeof officialTensors>, values: tf.TypedArray[]): Map<string, TensorData> {
  const out = new Map<string, TensorData>();
  parts.forEach(({ entry, tensor, owned }, i) => {
    out.set(entry.official, { dtype: 'float32', shape: [...entry.shape], data: Float32Array.from(values[i]!) });
    if (owned) tensor.dispose();
  });
  return out;
}

/**
 * The model's parameters as an official state_dict (PyTorch names and layouts), e.g. to write with
 * `writeSafetensors` or compare with a PyTorch run. Reads synchronously; {@link saveWeights} does not.
 */
export function officialStateDict(model: SmoeLanguageModel): Map<string, TensorData> {
  const parts = officialTensors(model);
  return toStateDict(
    parts,
    parts.map((p) => p.tensor.dataSync() as tf.TypedArray),
  );
}

/**
 * Assigns an official state_dict to the model. Names may carry DDP's `module.` prefix. Every missing, unexpected,
 * mis-shaped or non-float entry is listed in one `FileFormatError` (naming `source`) and nothing is assigned.
 */
export function loadOfficialStateDict(
  model: SmoeLanguageModel,
  tensors: Map<string, TensorData>,
  source = '<state_dict>',
): void {
  const allPrefixed = tensors.size > 0 && [...tensors.keys()].every((k) => k.startsWith(DDP_PREFIX));
  const byName = allPrefixed ? new Map([...tensors].map(([k, v]) => [k.slice(DDP_PREFIX.length), v])) : tensors;
  const entries = entriesWithVariables(model);
  const expected = new Set(entries.map((e) => e.entry.official));
  const missing = entries.filter((e) => !byName.has(e.entry.official)).map((e) => e.entry.official);
  const unexpected = [...byName.keys()].filter((k) => !expected.has(k));
  const misShaped: string[] = [];
  for (const { entry } of entries) {
    const t = byName.get(entry.official);
    if (!t) continue;
    if (t.shape.length !== entry.shape.length || t.shape.some((d, i) => d !== entry.shape[i])) {
      misShaped.push(`${entry.official}: expected [${entry.shape.join(', ')}], got [${t.shape.join(', ')}]`);
    } else if (t.dtype !== 'float32') {
      misShaped.push(`${entry.official}: expected a float tensor, got ${t.dtype}`);
    }
  }
  if (missing.length + unexpected.length + misShaped.length > 0) {
    const parts = [
      missing.length ? `missing (${missing.length}): ${listSome(missing)}` : '',
      unexpected.length ? `unexpected (${unexpected.length}): ${listSome(unexpected)}` : '',
      misShaped.length ? `mis-shaped (${misShaped.length}): ${listSome(misShaped, 3, '; ')}` : '',
    ].filter(Boolean);
    throw new FileFormatError(
      source,
      `checkpoint does not match the model ` +
        `(${model.config.base} '${model.config.arch}', dModel ${model.config.dModel}, ` +
        `vocab ${model.config.vocab}): ${parts.join('. ')}`,
    );
  }
  for (const { entry, variable } of entries) {
    const t = byName.get(entry.official)!;
    const perm = PERM[entry.layout];
    tf.tidy(() => {
      const official = tf.tensor(t.data, t.shape, 'float32');
      variable.assign(perm ? tf.transpose(official, perm) : official);
    });
  }
}

/**
 * Writes the model's weights to a safetensors file under the official PyTorch names (atomically), reading them
 * asynchronously (so it works on webgpu in Node, where a synchronous read throws).
 * @example
 * ```ts
 * await saveWeights(model, 'runs/momentum-smoe-tiny.safetensors', { preset: 'momentum-smoe-tiny' });
 * ```
 */
export async function saveWeights(
  model: SmoeLanguageModel,
  file: string,
  metadata: Record<string, string> = {},
): Promise<void> {
  const parts = officialTensors(model);
  const values = await Promise.all(parts.map((p) => p.tensor.data() as Promise<tf.TypedArray>));
  await writeSafetensors(file, toStateDict(parts, values), { config: JSON.stringify(model.config), ...metadata });
}

/**
 * Loads a safetensors file with official PyTorch names (a converted official checkpoint, or one written by
 * {@link saveWeights}) into the model. Fails with a `FileFormatError` listing every missing, unexpected and
 * mis-shaped name.
 * @example
 * ```ts
 * const model = new SmoeLanguageModel(lmPreset('momentum-smoe-medium').model);
 * await loadWeights(model, 'smoe-mom-m.safetensors');
 * ```
 */
export async function loadWeights(model: SmoeLanguageModel, file: string): Promise<void> {
  const { tensors } = await readSafetensors(file);
  loadOfficialStateDict(model, tensors, file);
}
