/**
 * The official PyTorch state_dict of the language model (`TransformerSeq`), name by name, and how each entry maps to
 * a parameter of {@link SmoeLanguageModel}: one table, used for checkpoint I/O and for parameter counts.
 * @module
 */
import type { LmConfig } from './config.js';
import { parseArch } from './arch.js';

/**
 * How an official tensor relates to ours. `same`: identical layout. `transpose`: PyTorch `(out, in)` vs our
 * `[in, out]`. `transposeLast2`: fastmoe's stacked `(E, out, in)` vs our `[E, in, out]`.
 */
export type OfficialLayout = 'same' | 'transpose' | 'transposeLast2';

/** One state_dict entry: its official name and shape, our parameter name, and the layout relation. */
export interface OfficialEntry {
  /** Name in the official state_dict, e.g. `layers.0.smoe.gate.gate.weight`. */
  official: string;
  /** Shape in the official (PyTorch) layout. */
  shape: number[];
  /** Name of our parameter (`SmoeLanguageModel.namedParameters()`), e.g. `layers.0.smoe.gate.weight`. */
  ours: string;
  /** Layout relation between the two. */
  layout: OfficialLayout;
}

/**
 * The official state_dict entries for a configuration, in the official registration order: `in_emb.weight`,
 * `out_emb.{weight,bias}`, `key_pe`, then per layer `attn.proj_{query,out,val,key}.weight`, `smoe.gate.gate.*`,
 * `smoe.experts.{htoh4,h4toh}.*`, `smoe.layer_norm.*` or `ff.fc{1,2}.*`, and `norm1`, `norm2`, `norm3`.
 * @example
 * ```ts
 * officialEntries(config).find((e) => e.official === 'key_pe')?.shape; // [1, dModel / heads, attnSpan]
 * ```
 */
export function officialEntries(config: LmConfig): OfficialEntry[] {
  const { vocab: v, dModel: h, dHidden, heads, attnSpan, experts: e } = config;
  const out: OfficialEntry[] = [];
  const add = (official: string, shape: number[], ours = official, layout: OfficialLayout = 'same') =>
    out.push({ official, shape, ours, layout });
  const linear = (name: string, dIn: number, dOut: number, bias: boolean) => {
    add(`${name}.weight`, [dOut, dIn], `${name}.weight`, 'transpose');
    if (bias) add(`${name}.bias`, [dOut]);
  };
  const norm = (name: string) => {
    add(`${name}.weight`, [h]);
    add(`${name}.bias`, [h]);
  };
  add('in_emb.weight', [v, h]);
  linear('out_emb', h, v, true);
  add('key_pe', [1, h / heads, attnSpan]);
  parseArch(config.base, config.arch, config.layers).forEach((spec, i) => {
    const p = `layers.${i}`;
    for (const proj of ['proj_query', 'proj_out', 'proj_val', 'proj_key']) linear(`${p}.attn.${proj}`, h, h, false);
    if (spec.sublayer === 'f') {
      linear(`${p}.ff.fc1`, h, dHidden, true);
      linear(`${p}.ff.fc2`, dHidden, h, true);
    } else {
      add(`${p}.smoe.gate.gate.weight`, [e, h], `${p}.smoe.gate.weight`, 'transpose');
      add(`${p}.smoe.gate.gate.bias`, [e], `${p}.smoe.gate.bias`);
      add(`${p}.smoe.experts.htoh4.weight`, [e, dHidden, h], `${p}.smoe.experts.w1`, 'transposeLast2');
      add(`${p}.smoe.experts.htoh4.bias`, [e, dHidden], `${p}.smoe.experts.b1`);
      add(`${p}.smoe.experts.h4toh.weight`, [e, h, dHidden], `${p}.smoe.experts.w2`, 'transposeLast2');
      add(`${p}.smoe.experts.h4toh.bias`, [e, h], `${p}.smoe.experts.b2`);
      norm(`${p}.smoe.layer_norm`);
    }
    norm(`${p}.norm1`);
    norm(`${p}.norm2`);
    norm(`${p}.norm3`);
  });
  return out;
}

/**
 * Number of scalar parameters of the language model for `config`, computed from the official state_dict table
 * (no model is built, so it works for the 200M-parameter presets too).
 * @example
 * ```ts
 * lmParameterCount(lmPreset('smoe-medium').model); // ≈ 215.7M
 * ```
 */
export function lmParameterCount(config: LmConfig): number {
  return officialEntries(config).reduce((n, entry) => n + entry.shape.reduce((a, b) => a * b, 1), 0);
}
