/**
 * `msmoe train --preset <vision preset> --config overrides.json` (and `msmoe compare` with vision variants): a JSON
 * object of `VisionMoEConfig` fields laid over the preset (the `moe` and `momentum` objects merged field by field),
 * e.g. a smaller model or input size for a quick run on an ImageNet-layout folder.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { validateVisionConfig, type VisionMoEConfig } from '@momentum-smoe/models';
import { UsageError } from '../args.js';

/**
 * The preset `base` with the fields of the JSON object in `file` laid over it, validated.
 * @throws UsageError naming the file and the fix when it is missing, not JSON, or gives an invalid config.
 * @example
 * ```ts
 * // tiny.json: {"imageSize": 32, "hidden": 32, "mlpDim": 64, "heads": 2, "blocks": 2,
 * //             "moe": {"blocks": [1], "expertHidden": 64}}
 * const model = overrideVisionConfig(visionPreset('momentum-vmoe-s32'), 'tiny.json');
 * ```
 */
export function overrideVisionConfig(base: VisionMoEConfig, file: string, command = 'train'): VisionMoEConfig {
  if (!existsSync(file)) throw new UsageError(`msmoe ${command}: --config ${file}: no such file`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`msmoe ${command}: --config ${file} is not valid JSON (${(e as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    const example = '{"imageSize": 32}';
    throw new UsageError(
      `msmoe ${command}: --config ${file} must be a JSON object of vision config fields (e.g. ${example})`,
    );
  }
  const o = json as Partial<VisionMoEConfig>;
  const merged = {
    ...base,
    ...o,
    moe: { ...base.moe, ...(o.moe ?? {}) },
    momentum: { ...base.momentum, ...(o.momentum ?? {}) },
  } as VisionMoEConfig;
  try {
    return validateVisionConfig(merged);
  } catch (e) {
    throw new UsageError(`msmoe ${command}: --config ${file}: ${(e as Error).message}`);
  }
}
