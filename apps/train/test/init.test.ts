import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, initBackend, writeSafetensors } from '@momentum-smoe/core';
import { SmoeLanguageModel, officialStateDict, validateLmConfig } from '@momentum-smoe/models';
import { loadCheckpoint } from '../src/training/checkpoint.js';
import { cli } from './cli-helper.js';
import { TINY_CONFIG, tinySetup, tinyTrain } from './tiny-run.js';
import type { RunFile } from '../src/commands/run-file.js';

const lines = (s: string) =>
  s
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('backend ') && !l.startsWith('data: '));
const modelTensors = async (file: string) => (await loadCheckpoint(file)).model;
/** The corpus vocabulary as msmoe counts it: distinct words + <eos> + <unk>. */
const vocabOf = (data: string) =>
  new Set(readFileSync(join(data, 'train.txt'), 'utf8').split(/\s+/).filter(Boolean)).size + 2;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('msmoe train --init (issue 15.7)', () => {
  it('starts from an msmoe checkpoint: with --lr 0 the run keeps exactly those weights; the config comes with them', async () => {
    const { root, data, config } = tinySetup();
    const first = join(root, 'first');
    expect((await cli(...tinyTrain(config, data, first))).code).toBe(0);
    const tuned = join(root, 'tuned');
    // No --config: the checkpoint carries it.
    const r = await cli(
      'train',
      '--init',
      join(first, 'best.safetensors'),
      '--data',
      data,
      '--steps',
      '2',
      '--batch',
      '4',
      '--eval-every',
      '2',
      '--lr',
      '0',
      '--out',
      tuned,
      '--backend',
      'wasm',
    );
    expect(r.code, r.err).toBe(0);
    const [before, after] = [
      await modelTensors(join(first, 'best.safetensors')),
      await modelTensors(join(tuned, 'last.safetensors')),
    ];
    expect([...after.keys()]).toEqual([...before.keys()]);
    for (const [name, t] of before) expect(Array.from(after.get(name)!.data), name).toEqual(Array.from(t.data));
    const runFile = JSON.parse(readFileSync(join(tuned, 'run.json'), 'utf8')) as RunFile;
    expect(runFile.init).toBe(join(first, 'best.safetensors'));
  }, 120_000);

  it('starts from official-named weights given with --config, and a config of another size is one line before the folder is touched', async () => {
    const { root, data, config } = tinySetup();
    const model = new SmoeLanguageModel(validateLmConfig({ ...TINY_CONFIG, vocab: vocabOf(data) }), {
      rng: new Rng(9),
    });
    const weights = join(root, 'official.safetensors');
    await writeSafetensors(weights, officialStateDict(model));
    const expected = new Map([...model.namedParameters()].map(([k, v]) => [k, Array.from(v.dataSync())]));
    model.dispose();
    const tuned = join(root, 'tuned');
    const r = await cli(...tinyTrain(config, data, tuned, '--init', weights, '--lr', '0'));
    expect(r.code, r.err).toBe(0);
    const after = await modelTensors(join(tuned, 'last.safetensors'));
    for (const [name, values] of expected) expect(Array.from(after.get(name)!.data), name).toEqual(values);

    const wide = join(root, 'wide.json');
    writeFileSync(wide, JSON.stringify({ ...TINY_CONFIG, hidden: 32, inner: 32 }));
    const out = join(root, 'wide-run');
    const bad = await cli(...tinyTrain(wide, data, out, '--init', weights));
    expect(bad.code).toBe(1);
    expect(lines(bad.err)).toEqual([
      expect.stringMatching(
        /official\.safetensors: checkpoint does not match the model .*mis-shaped \(\d+\): .* and \d+ more$/,
      ),
    ]);
    expect(existsSync(join(out, 'run.json'))).toBe(false);
  }, 120_000);

  it('--init of a missing file names it', async () => {
    const r = await cli('train', '--preset', 'smoe-tiny', '--init', '/no/such.safetensors');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--init \/no\/such\.safetensors: no such file/);
  });
});

describe('msmoe train on a diverging run (issue 15.6)', () => {
  it('exits 1 with one line and leaves no best checkpoint', async () => {
    const { root, data, config } = tinySetup();
    const out = join(root, 'run');
    const r = await cli(
      ...tinyTrain(config, data, out, '--lr', '10000').map((a, i, all) =>
        all[i - 1] === '--steps' || all[i - 1] === '--eval-every' ? '12' : a,
      ),
    );
    expect(r.code).toBe(1);
    expect(lines(r.err).at(-1)).toMatch(
      /^msmoe: training diverged at step \d+: .* at learning rate [\d.e+]+; no checkpoint was written from it/,
    );
    expect(r.out).not.toMatch(/best valid PPL/);
    expect(existsSync(join(out, 'best.safetensors'))).toBe(false);
  }, 120_000);
});
