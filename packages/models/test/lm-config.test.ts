import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, initBackend } from '@momentum-smoe/core';
import {
  LM_CONFIG_FIELDS,
  LM_PRESET_NAMES,
  lmConfigHelp,
  lmParameterCount,
  lmPreset,
  officialEntries,
  parseArch,
  validateLmConfig,
  type LmConfig,
} from '../src/index.js';
import { tinyConfig, tinyModel } from './lm-helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

/**
 * Closed-form count from the official module definitions (docs/paper-notes.md#language-model-presets-and-training),
 * independent of the code under test.
 */
function formulaCount(c: LmConfig): number {
  const { dModel: h, dHidden: i, experts: e, vocab: v, heads, attnSpan } = c;
  const attention = 4 * h * h;
  const norms = 3 * 2 * h;
  const moe = h * e + e + e * (h * i + i + i * h + h) + 2 * h;
  const ff = h * i + i + i * h + h;
  const moeLayers = c.arch.split('').filter((ch) => 'gmar'.includes(ch)).length;
  const ffLayers = c.arch.split('').filter((ch) => ch === 'f').length;
  const attnLayers = c.arch.split('').filter((ch) => ch === 's').length;
  return attnLayers * (attention + norms) + moeLayers * moe + ffLayers * ff + (h / heads) * attnSpan + 2 * v * h + v;
}

describe('validateLmConfig', () => {
  it('fills the documented defaults', () => {
    const c = validateLmConfig({ arch: 'sg', layers: 1, hidden: 32, blockSize: 8, attnSpan: 8, vocab: 10 });
    expect(c).toMatchObject({
      base: 'transformer',
      dModel: 32,
      dHidden: 32,
      heads: 8,
      experts: 16,
      topK: 2,
      dropout: 0.1,
      mu: 0.7,
      gamma1: 1,
      gamma2: 1,
      beta1: 0.9,
      beta2: 0.999,
      loadBalance: 0,
    });
  });
  it('names an unknown field and lists the valid ones', () => {
    expect(() => validateLmConfig({ ...tinyConfig(), hid: 3 })).toThrow(
      /unknown field 'hid'.*valid fields are base, arch, layers, hidden/,
    );
  });
  it('rejects an arch whose length does not fit layers', () => {
    expect(() => validateLmConfig(tinyConfig({ arch: 'smsmsm', layers: 2 }))).toThrow(/6 characters.*needs 4/);
    expect(() => validateLmConfig(tinyConfig({ base: 'glam', arch: 'sgsf', layers: 2 }))).toThrow(
      /needs 8 \(4 per pair\)/,
    );
  });
  it('rejects missing and out-of-range values', () => {
    const { vocab: _, ...noVocab } = tinyConfig();
    expect(() => validateLmConfig(noVocab)).toThrow(/missing required field 'vocab'/);
    expect(() => validateLmConfig(tinyConfig({ heads: 5 }))).toThrow(ConfigError);
    expect(() => validateLmConfig(tinyConfig({ topK: 9 }))).toThrow(/topK/);
    expect(() => validateLmConfig(tinyConfig({ dropout: 1 }))).toThrow(/dropout/);
  });
  it('maps the JSON names (hidden, inner) to the library names at the boundary, one name per field', () => {
    const json = validateLmConfig({
      arch: 'sm',
      layers: 1,
      hidden: 32,
      inner: 48,
      heads: 4,
      blockSize: 8,
      attnSpan: 8,
      vocab: 10,
    });
    const lib = validateLmConfig({
      arch: 'sm',
      layers: 1,
      dModel: 32,
      dHidden: 48,
      heads: 4,
      blockSize: 8,
      attnSpan: 8,
      vocab: 10,
    });
    expect(json).toEqual(lib);
    expect(Object.keys(json)).toEqual(Object.keys(LM_CONFIG_FIELDS)); // one vocabulary inside: no JSON name survives
    expect(json).not.toHaveProperty('hidden');
    expect(() => validateLmConfig({ ...tinyConfig(), hidden: 16 })).toThrow(
      /give 'hidden' once \(it is also called 'dModel'\)/,
    );
    expect(() => validateLmConfig(tinyConfig({ dModel: 2.5 }))).toThrow(
      /'hidden' must be a positive integer, got 2\.5/,
    );
    expect(() => validateLmConfig(tinyConfig({ base: 'gpt' as never }))).toThrow(
      /'base' must be 'transformer' or 'glam'/,
    );
  });
  it('help text has one line per field of the table: JSON name, official flag, default', () => {
    const lines = lmConfigHelp().split('\n');
    expect(lines).toHaveLength(Object.keys(LM_CONFIG_FIELDS).length);
    expect(lines[3]).toMatch(/^ {2}hidden +--hid-sz +required +model width H$/);
    expect(lines.find((l) => l.trim().startsWith('inner'))).toMatch(/--inner-hid-sz +hidden /);
    expect(lines.find((l) => l.trim().startsWith('loadBalance'))).toMatch(/--load_balance +0 /);
    expect(lines.find((l) => l.trim().startsWith('experts'))).toMatch(/experts +- +16 /);
  });
});

describe('parseArch', () => {
  it('names the bad character and its position', () => {
    expect(() => parseArch('transformer', 'sgsx', 2)).toThrow(/bad character 'x' at position 3 \(layer 1\)/);
    expect(() => parseArch('transformer', 'gs', 1)).toThrow(/bad character 'g' at position 0/);
    expect(() => parseArch('glam', 'smsg', 1)).toThrow(/bad character 'g' at position 3 \(pair 0\).*'f'/);
  });
  it('reads GLaM pairs as two layers with the pair index as the MoE layer (official layerth)', () => {
    expect(parseArch('glam', 'sasfsasf', 2)).toEqual([
      { layer: 0, sublayer: 'a', moeLayer: 0 },
      { layer: 1, sublayer: 'f', moeLayer: 0 },
      { layer: 2, sublayer: 'a', moeLayer: 1 },
      { layer: 3, sublayer: 'f', moeLayer: 1 },
    ]);
    expect(parseArch('transformer', 'sgsrsg', 3).map((s) => s.sublayer)).toEqual(['g', 'r', 'g']);
  });
  it('rejects two momentum kinds in one stack', () => {
    expect(() => parseArch('transformer', 'smsa', 2)).toThrow(/mixes momentum kinds m, a/);
  });
});

describe('presets', () => {
  it('match the official scripts (docs/paper-notes.md#language-model-presets-and-training)', () => {
    const expected: Record<
      string,
      [string, number, number, number, number, number, number, number, number, number, number]
    > = {
      // arch, layers, H, M, L, dropout, lr, warmup, steps, batch, batchSplit
      'smoe-small': ['sgsgsg', 3, 128, 256, 256, 0.7, 7e-4, 3000, 60_000, 96, 2],
      'momentum-smoe-small': ['smsmsm', 3, 128, 256, 256, 0.7, 7e-4, 3000, 60_000, 96, 2],
      'smoe-medium': ['sg'.repeat(6), 6, 352, 512, 1024, 0.1, 7e-4, 4000, 80_000, 48, 2],
      'momentum-smoe-medium': ['sm'.repeat(6), 6, 352, 512, 1024, 0.1, 7e-4, 4000, 80_000, 48, 2],
      'adam-smoe-medium': ['sa'.repeat(6), 6, 352, 512, 1024, 0.1, 7e-4, 4000, 80_000, 48, 2],
      'smoe-large': ['sg'.repeat(12), 12, 512, 1024, 2048, 0.1, 7e-4, 5000, 80_000, 24, 2],
      'momentum-smoe-large': ['sm'.repeat(12), 12, 512, 1024, 2048, 0.1, 7e-4, 5000, 80_000, 24, 2],
      'glam-medium': ['sgsf'.repeat(6), 6, 352, 512, 2048, 0.1, 7e-5, 4000, 120_000, 48, 2],
      'momentum-glam-medium': ['smsf'.repeat(6), 6, 352, 512, 2048, 0.1, 7e-5, 4000, 120_000, 48, 2],
      'adam-glam-medium': ['sasf'.repeat(6), 6, 352, 512, 2048, 0.1, 7e-5, 4000, 120_000, 48, 2],
    };
    for (const [name, [arch, layers, h, m, l, dropout, lr, warmup, steps, batch, batchSplit]] of Object.entries(
      expected,
    )) {
      const p = lmPreset(name);
      expect(p.model, name).toMatchObject({
        arch,
        layers,
        dModel: h,
        dHidden: h,
        heads: 8,
        blockSize: m,
        attnSpan: l,
        dropout,
        experts: 16,
        topK: 2,
        vocab: 267_735,
      });
      expect(p.optim, name).toEqual({ lr, warmup, steps, batch, batchSplit });
    }
    expect(lmPreset('momentum-smoe-medium').model).toMatchObject({ mu: 0.7, gamma1: 1, gamma2: 1 });
    expect(lmPreset('adam-glam-medium').model).toMatchObject({
      base: 'glam',
      mu: 0.7,
      gamma1: 0.8,
      gamma2: 1,
      beta1: 0.9,
      beta2: 0.999,
    });
  });
  it('count parameters as the closed form, with the official medium ≈ 215.7M', () => {
    for (const name of LM_PRESET_NAMES) {
      const config = lmPreset(name).model;
      expect(lmParameterCount(config), name).toBe(formulaCount(config));
    }
    const medium = lmParameterCount(lmPreset('smoe-medium').model);
    // body + key_pe + embeddings, docs/paper-notes.md#language-model-presets-and-training
    expect(medium).toBe(26_881_632 + 45_056 + 188_753_175);
    expect(lmParameterCount(lmPreset('glam-medium').model) / 1e6).toBeCloseTo(220.2, 1);
    expect(lmParameterCount(lmPreset('smoe-large').model) / 1e6).toBeCloseTo(388.1, 1);
  });
  it('unknown preset lists the valid names; overrides are validated', () => {
    expect(() => lmPreset('smoe-huge')).toThrow(/unknown model preset 'smoe-huge'.*smoe-small/);
    expect(lmPreset('smoe-tiny', { vocab: 321 }).model.vocab).toBe(321);
    expect(() => lmPreset('smoe-tiny', { layers: 2 })).toThrow(/needs 4/);
  });
});

describe('built models', () => {
  it.each(['transformer:sgsm', 'transformer:sasg', 'transformer:srsr', 'glam:sgsfsmsf'])(
    '%s: parameters match the official table and the formula',
    (key) => {
      const [base, arch] = key.split(':') as ['transformer' | 'glam', string];
      const layers = base === 'glam' ? arch.length / 4 : arch.length / 2;
      const model = tinyModel({ base, arch, layers });
      const config = model.config;
      expect(model.parameterCount()).toBe(formulaCount(config));
      const ours = [...model.namedParameters().entries()];
      const entries = officialEntries(config);
      expect(new Set(entries.map((e) => e.ours))).toEqual(new Set(ours.map(([n]) => n)));
      for (const e of entries) {
        const shape = model.namedParameters().get(e.ours)!.shape;
        const asOfficial =
          e.layout === 'transpose'
            ? [shape[1], shape[0]]
            : e.layout === 'transposeLast2'
              ? [shape[0], shape[2], shape[1]]
              : shape;
        expect(asOfficial, e.official).toEqual(e.shape);
      }
      model.dispose();
    },
  );
});
