/**
 * Typed errors. Every error names the thing that is wrong and, where there is one, the fix.
 * @module
 */

/** Base class of every error this project throws on purpose. */
export class MomentumSmoeError extends Error {
  override name = 'MomentumSmoeError';
}

/**
 * A tensor had the wrong shape, rank or dtype.
 * @example
 * ```ts
 * throw new ShapeError('router input', [4096, 256], [4096, 128]);
 * ```
 */
export class ShapeError extends MomentumSmoeError {
  override name = 'ShapeError';
  constructor(
    readonly what: string,
    readonly expected: ReadonlyArray<number | string | null>,
    readonly actual: readonly number[],
  ) {
    super(`${what}: expected shape [${expected.map((d) => d ?? '*').join(', ')}], got [${actual.join(', ')}]`);
  }
}

/** A configuration value is out of range or inconsistent with another one. */
export class ConfigError extends MomentumSmoeError {
  override name = 'ConfigError';
}

/** A file could not be read as the format it claims to be (safetensors, a checkpoint, a data set). */
export class FileFormatError extends MomentumSmoeError {
  override name = 'FileFormatError';
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/**
 * A long list in one readable line: the first `max` items, then how many more (`a, b, c and 17 more`). Items that
 * contain commas (shapes) read better with `separator` `'; '`.
 * Error messages use it so that a mismatch of hundreds of tensors stays one short line.
 * @example
 * ```ts
 * listSome(['a', 'b', 'c', 'd'], 2); // 'a, b and 2 more'
 * ```
 */
export function listSome(items: readonly string[], max = 3, separator = ', '): string {
  if (items.length <= max) return items.join(separator);
  return `${items.slice(0, max).join(separator)} and ${items.length - max} more`;
}
