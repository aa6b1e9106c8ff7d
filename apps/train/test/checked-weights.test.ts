import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, parseSafetensors, serializeSafetensors, writeSafetensors, Rng } from '@momentum-smoe/core';
import {
  SmoeLanguageModel,
  VisionMoE,
  officialStateDict,
  saveWeights,
  validateLmConfig,
  visionPreset,
} from '@momentum-smoe/models';
import { visionRecipe } from '../src/vision/recipe.js';
import { saveCheckpoint } from '../src/training/checkpoint.js';
import { toTensorData } from '../src/training/tensor-data.js';
import { cli } from './cli-helper.js';
import { TINY_CONFIG, tinySetup } from './tiny-run.js';

/** stderr lines other than the backend report. */
const lines = (s: string) =>
  s
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('backend '));

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** A checkpoint as `msmoe train` writes it, of a freshly initialised model with `config` (no training needed). */
async function checkpointOf(file: string, name: string, config: Record<string, unknown>): Promise<void> {
  const model = new SmoeLanguageModel(validateLmConfig(config), { rng: new Rng(1) });
  const run = {
    name,
    model: model.config,
    steps: 1,
    batch: 4,
    batchSplit: 1,
    lr: 1e-3,
    warmup: 0,
    seed: 1,
    evalEvery: 1,
  };
  await saveCheckpoint(file, {
    model: await toTensorData(model.namedParameters()),
    optimizer: new Map(),
    buffers: new Map(),
    state: { run },
  });
  model.dispose();
}

/** The vocabulary size of the corpus in `data`, as eval sees it (a run of `msmoe eval --json` would need weights). */
const vocabOf = (data: string) =>
  new Set(readFileSync(join(data, 'train.txt'), 'utf8').split(/\s+/).filter(Boolean)).size + 2;

describe('msmoe eval evaluates weights as what they are (issue 15.4)', () => {
  it('a preset that contradicts the checkpoint is one error naming both and the differences; a matching one is accepted', async () => {
    const { root, data } = tinySetup();
    const vocab = vocabOf(data);
    const file = join(root, 'momentum.safetensors');
    await checkpointOf(file, 'momentum-tiny', { ...TINY_CONFIG, vocab });
    const base = ['eval', '--weights', file, '--data', data, '--batch', '4', '--json', '--backend', 'wasm'];
    const plain = await cli(...base);
    expect(plain.code, plain.err).toBe(0);

    const smoe = join(root, 'smoe.json');
    writeFileSync(smoe, JSON.stringify({ ...TINY_CONFIG, arch: 'sgsg' }));
    const wrong = await cli(...base, '--config', smoe);
    expect(wrong.code).toBe(2);
    expect(lines(wrong.err)).toEqual([
      expect.stringMatching(
        new RegExp(
          `--config ${smoe} contradicts the config carried by checkpoint ${file} \\(momentum-tiny\\) ` +
            `\\(arch "smsm" vs "sgsg"\\); drop --config`,
        ),
      ),
    ]);
    const preset = await cli(...base, '--preset', 'adam-smoe-tiny');
    expect(preset.code).toBe(2);
    expect(preset.err).toMatch(/--preset adam-smoe-tiny contradicts .* and \d+ more\); drop --preset/);

    const same = join(root, 'same.json');
    writeFileSync(same, JSON.stringify(TINY_CONFIG));
    const confirmed = await cli(...base, '--config', same);
    expect(confirmed.code, confirmed.err).toBe(0);
    expect(JSON.parse(confirmed.out)).toEqual(JSON.parse(plain.out));
  }, 120_000);

  it('official-named weights that carry their config (saveWeights) are checked the same way', async () => {
    const { root, data } = tinySetup();
    const model = new SmoeLanguageModel(validateLmConfig({ ...TINY_CONFIG, vocab: vocabOf(data) }), {
      rng: new Rng(2),
    });
    const file = join(root, 'official.safetensors');
    await saveWeights(model, file, { preset: 'tiny-smsm' });
    model.dispose();
    const r = await cli(
      'eval',
      '--weights',
      file,
      '--data',
      data,
      '--batch',
      '4',
      '--preset',
      'smoe-tiny',
      '--backend',
      'wasm',
    );
    expect(r.code).toBe(2);
    expect(lines(r.err)).toEqual([
      expect.stringMatching(
        /--preset smoe-tiny contradicts the config carried by .*official\.safetensors \(tiny-smsm\)/,
      ),
    ]);
    const ok = await cli('eval', '--weights', file, '--data', data, '--batch', '4', '--json', '--backend', 'wasm');
    expect(ok.code, ok.err).toBe(0);
  }, 120_000);
});

describe('msmoe eval of a vision checkpoint (issue 15.4)', () => {
  it('a contradicting --preset or any --config is an error naming both', async () => {
    const { root } = tinySetup();
    const file = join(root, 'vmoe.safetensors');
    const model = new VisionMoE(visionPreset('vmoe-mnist'), { seed: 1 });
    const run = { name: 'vmoe-mnist', model: visionPreset('vmoe-mnist'), ...visionRecipe('vmoe-mnist'), seed: 1 };
    await saveCheckpoint(file, {
      model: await toTensorData(model.namedParameters()),
      optimizer: new Map(),
      buffers: new Map(),
      state: { run },
    });
    model.dispose();
    const base = ['eval', '--weights', file, '--corpus', 'mnist', '--backend', 'wasm'];
    const preset = await cli(...base, '--preset', 'momentum-vmoe-mnist');
    expect(preset.code).toBe(2);
    expect(lines(preset.err)).toEqual([
      expect.stringMatching(
        /--preset momentum-vmoe-mnist contradicts the checkpoint .*vmoe\.safetensors \(vmoe-mnist: .+\); drop --preset/,
      ),
    ]);
    const config = await cli(...base, '--config', 'model.json');
    expect(config.code).toBe(2);
    expect(config.err).toMatch(
      /--config describes a language model but .* is a vision checkpoint \(vmoe-mnist\); drop --config/,
    );
  }, 120_000);
});

describe('weights that do not fit the model are one short line (issue 15.6)', () => {
  it('a checkpoint whose header swaps a tensor shape names it, without a stack trace', async () => {
    const { root, data } = tinySetup();
    const file = join(root, 'swapped.safetensors');
    await checkpointOf(file, 'tiny', { ...TINY_CONFIG, vocab: vocabOf(data) });
    // Swap the two dimensions of one square-free weight in the header (same byte count, so the file still parses).
    const parsed = parseSafetensors(readFileSync(file), file);
    const [name, t] = [...parsed.tensors].find(([, x]) => x.shape.length === 2 && x.shape[0] !== x.shape[1])!;
    parsed.tensors.set(name, { ...t, shape: [t.shape[1]!, t.shape[0]!] });
    writeFileSync(file, serializeSafetensors(parsed.tensors, parsed.metadata));
    const r = await cli('eval', '--weights', file, '--data', data, '--batch', '4', '--backend', 'wasm');
    expect(r.code).toBe(1);
    expect(lines(r.err)).toEqual([
      expect.stringMatching(
        new RegExp(
          `checkpoint .*swapped\\.safetensors does not match the model: 1 mis-shaped ` +
            `\\(${name.replace(/^model\//, '').replace(/[.]/g, '\\.')} \\[${t.shape[1]}, ${t.shape[0]}\\] ` +
            `where the model has \\[${t.shape[0]}, ${t.shape[1]}\\]\\)`,
        ),
      ),
    ]);
    expect(r.err).not.toMatch(/internal error| {4}at /);
  }, 120_000);

  it('official weights evaluated with a config of another size list a few mismatches and a count', async () => {
    const { root, data } = tinySetup();
    const vocab = vocabOf(data);
    const model = new SmoeLanguageModel(validateLmConfig({ ...TINY_CONFIG, hidden: 32, inner: 32, vocab }), {
      rng: new Rng(3),
    });
    const file = join(root, 'other-size.safetensors');
    await writeSafetensors(file, officialStateDict(model)); // no config metadata: like converted official weights
    model.dispose();
    const config = join(root, 'model.json');
    writeFileSync(config, JSON.stringify({ ...TINY_CONFIG, vocab }));
    const r = await cli(
      'eval',
      '--weights',
      file,
      '--data',
      data,
      '--batch',
      '4',
      '--config',
      config,
      '--backend',
      'wasm',
    );
    expect(r.code, r.err).toBe(1);
    const [message] = lines(r.err);
    expect(lines(r.err)).toHaveLength(1);
    expect(message).toMatch(/mis-shaped \((\d+)\): [^;]+; [^;]+; [^;]+ and \d+ more$/);
    const count = Number(/mis-shaped \((\d+)\)/.exec(message!)![1]);
    expect(count).toBeGreaterThan(10); // every weight of width 32 where the config says 16
    expect(message!.length).toBeLessThan(600);
  }, 120_000);
});
