/**
 * Language-model configuration from one field table: the {@link LmConfig} type, its defaults, its validation and its
 * help text all come from {@link LM_CONFIG_FIELDS}. The library's names (`dModel`, `dHidden`, as the routers and the
 * expert bank call them) are used everywhere inside; the JSON names that follow the official training flags
 * (`hidden` for `--hid-sz`, `inner` for `--inner-hid-sz`) are mapped in {@link validateLmConfig}, the boundary.
 * @module
 */
import { ConfigError } from '@momentum-smoe/core';
import { parseArch } from './arch.js';

/** One row of {@link LM_CONFIG_FIELDS}; `V` is the field's value type. */
export interface LmConfigField<V> {
  /** How the value is checked: a positive integer, a finite number, a string, or one of `choices`. */
  kind: 'integer' | 'real' | 'text' | 'choice';
  /** The allowed values of a `choice` field. */
  choices?: readonly V[];
  /** Name in a JSON config when it differs from the library's name (the official flag's name). */
  json?: string;
  /** The official training flag, or null when the official code hard-codes the value. */
  flag: string | null;
  /** Default, possibly from fields earlier in the table; absent for a required field. */
  fallback?: V | ((earlier: Readonly<Record<string, unknown>>) => V);
  /** The default in words, for help text, when it is computed from earlier fields. */
  fallbackText?: string;
  /** A range rule beyond the kind, as the text after the field name (`'must be in [0, 1)'`), or null when met. */
  rule?: (value: V) => string | null;
  /** What the field means, for help text. */
  doc: string;
}

const integer = (
  flag: string | null,
  doc: string,
  fallback?: LmConfigField<number>['fallback'],
): LmConfigField<number> =>
  fallback === undefined ? { kind: 'integer', flag, doc } : { kind: 'integer', flag, doc, fallback };
const real = (
  flag: string | null,
  doc: string,
  fallback: number,
  rule?: LmConfigField<number>['rule'],
): LmConfigField<number> =>
  rule === undefined ? { kind: 'real', flag, doc, fallback } : { kind: 'real', flag, doc, fallback, rule };

/**
 * The language-model configuration fields, in the order of the official flags: kind, JSON name, official flag,
 * default and meaning. See docs/paper-notes.md#language-model-presets-and-training for the values each script uses.
 */
export const LM_CONFIG_FIELDS = {
  base: {
    kind: 'choice',
    choices: ['transformer', 'glam'],
    flag: '--base_arch',
    fallback: 'transformer',
    doc: '`transformer` (2 architecture characters per layer) or `glam` (4 per pair of layers)',
  } as LmConfigField<'transformer' | 'glam'>,
  arch: {
    kind: 'text',
    flag: '--architecture',
    doc: 'the architecture string, e.g. `smsmsm`, `sasfsasf` (see parseArch)',
  } as LmConfigField<string>,
  layers: integer('--nlayers', 'layers for `transformer`, pairs of layers for `glam`'),
  dModel: { ...integer('--hid-sz', 'model width H'), json: 'hidden' },
  dHidden: {
    ...integer('--inner-hid-sz', 'expert and feed-forward hidden width', (c) => c.dModel as number),
    json: 'inner',
    fallbackText: 'hidden',
  },
  heads: integer('--nheads', 'attention heads; must divide the model width', 8),
  blockSize: integer('--block-sz', 'tokens per block M'),
  attnSpan: integer('--attn-span', 'previous positions L each query sees (also the cache length)'),
  experts: integer(null, 'experts per MoE layer E (the official code hard-codes 16)', 16),
  topK: integer('--moe_top_k', 'experts per token k', 2),
  dropout: real(
    '--dropout',
    'attention probabilities, expert hidden layer, MoE output, feed-forward hidden layer',
    0.1,
    (v) => (v >= 0 && v < 1 ? null : 'must be in [0, 1)'),
  ),
  mu: real('--mu', 'heavy-ball momentum μ', 0.7),
  gamma1: real('--gamma1', 'Adam step size γ1', 1.0),
  gamma2: real('--gamma2', 'heavy-ball step size γ2', 1.0),
  beta1: real('--beta1', 'Adam first-moment decay β1', 0.9),
  beta2: real('--beta2', 'Adam second-moment decay β2', 0.999),
  kappa: real(null, 'robust momentum condition number κ (our extension, `r` layers)', 1.25, (v) =>
    v > 1 ? null : 'must be > 1',
  ),
  rho: real(null, 'robust momentum target rate ρ (our extension, `r` layers)', 0.2),
  // The scripts pass 0.01 but the released code never computes the loss (docs/paper-notes.md#load-balancing-loss).
  loadBalance: real(
    '--load_balance',
    'weight of the SMoE balance loss (0: what the official runs trained with)',
    0,
    (v) => (v >= 0 ? null : 'must be ≥ 0'),
  ),
  vocab: integer(null, 'vocabulary size V'),
} as const;

/**
 * A complete language-model configuration: one value per row of {@link LM_CONFIG_FIELDS} (see there for meanings,
 * defaults and official flags).
 */
export type LmConfig = {
  -readonly [K in keyof typeof LM_CONFIG_FIELDS]: (typeof LM_CONFIG_FIELDS)[K] extends LmConfigField<infer V>
    ? V
    : never;
};

/** The configuration's field names (the library's names). */
export type LmConfigKey = keyof LmConfig;

const KEYS = Object.keys(LM_CONFIG_FIELDS) as LmConfigKey[];
const field = (key: LmConfigKey) => LM_CONFIG_FIELDS[key] as LmConfigField<unknown>;
/** The name a user writes in a JSON config. */
const jsonName = (key: LmConfigKey) => field(key).json ?? key;

/**
 * Validates a (possibly partial) configuration and fills the defaults of {@link LM_CONFIG_FIELDS}: the boundary where
 * a JSON config, a run file or a checkpoint's metadata enters. Each field may be given under its library name
 * (`dModel`) or its JSON name (`hidden`), not both. Throws a `ConfigError` naming an unknown field (and listing the
 * valid ones), a missing or out-of-range value, or an architecture string that does not fit `layers`.
 * @example
 * ```ts
 * const config = validateLmConfig({ arch: 'smsm', layers: 2, hidden: 64, blockSize: 32, attnSpan: 32, vocab: 100 });
 * config.dModel; // 64
 * config.dHidden; // 64, the default: the model width
 * ```
 */
export function validateLmConfig(input: Partial<LmConfig> | Record<string, unknown>): LmConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ConfigError('model config: expected a JSON object');
  }
  const given = input as Record<string, unknown>;
  const known = new Set<string>(KEYS.flatMap((k) => [k, jsonName(k)]));
  for (const name of Object.keys(given)) {
    if (!known.has(name)) {
      throw new ConfigError(`model config: unknown field '${name}'; valid fields are ${KEYS.map(jsonName).join(', ')}`);
    }
  }
  const config: Record<string, unknown> = {};
  for (const key of KEYS) {
    const spec = field(key);
    const label = jsonName(key);
    if (spec.json !== undefined && given[key] !== undefined && given[spec.json] !== undefined) {
      throw new ConfigError(`model config: give '${label}' once (it is also called '${key}')`);
    }
    let value = given[key] ?? (spec.json === undefined ? undefined : given[spec.json]);
    if (value === undefined) {
      if (spec.fallback === undefined) throw new ConfigError(`model config: missing required field '${label}'`);
      value =
        typeof spec.fallback === 'function' ? (spec.fallback as (c: typeof config) => unknown)(config) : spec.fallback;
    }
    const problem = kindProblem(spec, value) ?? spec.rule?.(value);
    if (problem) throw new ConfigError(`model config: '${label}' ${problem}, got ${JSON.stringify(value)}`);
    config[key] = value;
  }
  const c = config as LmConfig;
  if (c.dModel % c.heads !== 0) {
    throw new ConfigError(`model config: 'heads' (${c.heads}) must divide '${jsonName('dModel')}' (${c.dModel})`);
  }
  if (c.topK > c.experts) throw new ConfigError(`model config: 'topK' (${c.topK}) exceeds 'experts' (${c.experts})`);
  parseArch(c.base, c.arch, c.layers);
  return c;
}

function kindProblem(spec: LmConfigField<unknown>, v: unknown): string | null {
  switch (spec.kind) {
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v) && v >= 1 ? null : 'must be a positive integer';
    case 'real':
      return typeof v === 'number' && Number.isFinite(v) ? null : 'must be a finite number';
    case 'text':
      return typeof v === 'string' ? null : 'must be a string';
    case 'choice':
      return spec.choices!.includes(v) ? null : `must be ${spec.choices!.map((c) => `'${String(c)}'`).join(' or ')}`;
  }
}

/**
 * The fields of a JSON model config as help text, one line each: JSON name, official flag, default, meaning.
 * @example
 * ```ts
 * console.log(lmConfigHelp()); // "  hidden       --hid-sz        required      model width H" …
 * ```
 */
export function lmConfigHelp(): string {
  const rows = KEYS.map((key) => {
    const spec = field(key);
    const fallback = spec.fallback === undefined ? 'required' : (spec.fallbackText ?? JSON.stringify(spec.fallback));
    return [jsonName(key), spec.flag ?? '-', fallback, spec.doc];
  });
  const width = (i: number) => Math.max(...rows.map((r) => r[i]!.length)) + 2;
  const [w0, w1, w2] = [width(0), width(1), width(2)];
  return rows.map((r) => `  ${r[0]!.padEnd(w0)}${r[1]!.padEnd(w1)}${r[2]!.padEnd(w2)}${r[3]}`).join('\n');
}
