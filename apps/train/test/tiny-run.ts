import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@momentum-smoe/core';

/** A tiny language-model config (official field names) that trains a step in well under a second on wasm. */
export const TINY_CONFIG = {
  base: 'transformer',
  arch: 'smsm',
  layers: 2,
  hidden: 16,
  inner: 16,
  heads: 2,
  blockSize: 8,
  attnSpan: 8,
  experts: 4,
  topK: 2,
  dropout: 0.1,
  vocab: 1,
};

/** Writes a WikiText-format corpus of random sentences over 30 words (seeded) into `dir`. */
export function writeCorpus(dir: string, seed: number, trainLines = 400): void {
  const rng = new Rng(seed);
  const words = Array.from({ length: 30 }, (_, i) => `w${i}`);
  const text = (lines: number) =>
    Array.from({ length: lines }, () =>
      Array.from({ length: 5 + rng.int(10) }, () => words[rng.int(words.length)]).join(' '),
    ).join('\n') + '\n';
  writeFileSync(join(dir, 'train.txt'), text(trainLines));
  writeFileSync(join(dir, 'valid.txt'), text(60));
  writeFileSync(join(dir, 'test.txt'), text(60));
}

/** A fresh folder holding a corpus folder (see {@link writeCorpus}) and `model.json` ({@link TINY_CONFIG}). */
export function tinySetup(seed = 3): { root: string; data: string; config: string } {
  const root = mkdtempSync(join(tmpdir(), 'msmoe-'));
  const data = mkdtempSync(join(root, 'corpus-'));
  writeCorpus(data, seed);
  const config = join(root, 'model.json');
  writeFileSync(config, JSON.stringify(TINY_CONFIG));
  return { root, data, config };
}

/** The flags of a 2-step tiny run on `data` into `out`. */
export const tinyTrain = (config: string, data: string, out: string, ...more: string[]): string[] => [
  'train',
  '--config',
  config,
  '--data',
  data,
  '--steps',
  '2',
  '--batch',
  '4',
  '--eval-every',
  '2',
  '--out',
  out,
  '--backend',
  'wasm',
  ...more,
];
