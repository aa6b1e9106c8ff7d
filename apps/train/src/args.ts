/**
 * Flag parsing for every `msmoe` command: typed values, `--help`, and one-line errors that name the fix.
 * @module
 */
import { parseArgs } from 'node:util';

/** A user-facing error: printed as one line (no stack) and exits with status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** One flag of a command. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  /** One line for `--help`. */
  help: string;
  default?: string | boolean;
  /** Allowed values (strings only); anything else is rejected with the list. */
  choices?: readonly string[];
}

/** A command's flags by name (kebab-case, without the dashes). */
export type FlagSpecs = Record<string, FlagSpec>;

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest of `candidates` to `word`, if it is plausibly a typo of it. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const dd = distance(word, c);
    if (dd < bestD) [best, bestD] = [c, dd];
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** Formats a command's help text. */
export function helpText(usage: string, summary: string, specs: FlagSpecs): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const left = `  --${name}${s.type === 'string' ? ' <value>' : ''}`;
    const extra = [
      s.choices ? `one of ${s.choices.join('|')}` : '',
      s.default !== undefined ? `default ${String(s.default)}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    return `${left.padEnd(28)} ${s.help}${extra ? ` (${extra})` : ''}`;
  });
  return `${usage}\n\n${summary}\n\nOptions:\n${rows.join('\n')}\n  --help                     show this help`;
}

/**
 * `--steps -1` → `--steps=-1`: node's parseArgs refuses a value that starts with a dash as "ambiguous", which hides
 * the real problem (a negative number) behind a puzzle. A following `--flag` is left alone (a missing value).
 */
function joinDashValues(argv: string[], specs: FlagSpecs): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const name = arg.slice(2);
    if (specs[name]?.type === 'string' && next !== undefined && next.startsWith('-') && !next.startsWith('--')) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** The flags `argv` names explicitly (defaults excluded), e.g. to reject those that `--resume` would ignore. */
export function givenFlags(argv: string[]): string[] {
  return argv.filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=')[0]!);
}

/**
 * Parses `argv` against `specs`. Unknown flags, missing values and bad choices throw a {@link UsageError} naming the
 * closest valid flag or the allowed values. Returns `null` when `--help` was given (the caller prints help).
 */
export function parseFlags(
  command: string,
  argv: string[],
  specs: FlagSpecs,
): Record<string, string | boolean | undefined> | null {
  if (argv.includes('--help') || argv.includes('-h')) return null;
  const names = Object.keys(specs);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      throw new UsageError(
        `msmoe ${command}: unexpected argument '${arg}' ` +
          `(flags take the form --name value; see msmoe ${command} --help)`,
      );
    }
    const name = arg.slice(2).split('=')[0]!;
    if (!names.includes(name)) {
      const guess = closest(name, names);
      throw new UsageError(
        `msmoe ${command}: unknown flag --${name}${guess ? `; did you mean --${guess}?` : ''} ` +
          `(see msmoe ${command} --help)`,
      );
    }
    if (specs[name]!.type === 'string' && !arg.includes('=')) i++; // skip its value
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    const options = Object.fromEntries(Object.entries(specs).map(([n, s]) => [n, { type: s.type }]));
    const args = joinDashValues(argv, specs);
    values = parseArgs({ args, options, strict: true, allowPositionals: false }).values as typeof values;
  } catch (e) {
    throw new UsageError(`msmoe ${command}: ${(e as Error).message.split('\n')[0]} (see msmoe ${command} --help)`);
  }
  for (const [n, s] of Object.entries(specs)) {
    if (values[n] === undefined && s.default !== undefined) values[n] = s.default;
    const v = values[n];
    if (s.choices && typeof v === 'string' && !s.choices.includes(v)) {
      const guess = closest(v, s.choices);
      throw new UsageError(
        `msmoe ${command}: --${n} '${v}' is not one of ${s.choices.join(', ')}` +
          `${guess ? `; did you mean '${guess}'?` : ''}`,
      );
    }
  }
  return values;
}

/** Reads a positive integer flag or throws a {@link UsageError} naming it. */
export function intFlag(
  command: string,
  name: string,
  value: string | boolean | undefined,
  { min = 1 } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    const what = min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : `an integer ≥ ${min}`;
    throw new UsageError(`msmoe ${command}: --${name} must be ${what}, got '${String(value)}'`);
  }
  return n;
}

/** Reads a positive number flag or throws a {@link UsageError} naming it. */
export function numberFlag(command: string, name: string, value: string | boolean | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new UsageError(`msmoe ${command}: --${name} must be a non-negative number, got '${String(value)}'`);
  return n;
}
