import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '@momentum-smoe/core';
import { disposeLayerReports, sampleToken, saveWeights } from '@momentum-smoe/models';
import { cli } from './cli-helper.js';
import { loadRunModels } from '../src/data/run-models.js';

describe('msmoe train → vocab.txt → msmoe generate', () => {
  it('keeps the vocabulary beside the weights, and greedy generation is the arg-max of full forward passes (seed 4)', async () => {
    const data = mkdtempSync(join(tmpdir(), 'corpus-'));
    const rng = new Rng(4);
    const words = Array.from({ length: 20 }, (_, i) => `w${i}`);
    const text = (lines: number) =>
      Array.from({ length: lines }, () => Array.from({ length: 6 }, () => words[rng.int(20)]).join(' ')).join('\n') +
      '\n';
    for (const split of ['train', 'valid', 'test'])
      writeFileSync(join(data, `${split}.txt`), text(split === 'train' ? 200 : 40));
    const dir = mkdtempSync(join(tmpdir(), 'run-'));
    const config = {
      arch: 'smsm',
      layers: 2,
      hidden: 16,
      inner: 16,
      heads: 2,
      blockSize: 8,
      attnSpan: 8,
      experts: 4,
      topK: 2,
      dropout: 0,
      vocab: 1,
    };
    writeFileSync(join(dir, 'model.json'), JSON.stringify(config));
    const out = join(dir, 'run');
    const t = await cli(
      'train',
      '--config',
      join(dir, 'model.json'),
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
    );
    expect(t.code, t.err).toBe(0);

    const vocab = readFileSync(join(out, 'vocab.txt'), 'utf8').trim().split('\n');
    // First-seen order over the training text, <eos> after the first line (the official data.py order).
    const firstLine = readFileSync(join(data, 'train.txt'), 'utf8').split('\n')[0]!.split(' ');
    expect(vocab.slice(0, new Set(firstLine).size + 1)).toEqual([...new Set(firstLine), '<eos>']);
    expect(new Set(vocab).size).toBe(vocab.length);

    const g = await cli(
      'generate',
      '--run',
      out,
      '--prompt',
      'w1 w2 w3',
      '--tokens',
      '6',
      '--temperature',
      '0',
      '--backend',
      'wasm',
    );
    expect(g.code, g.err).toBe(0);
    const { model } = (await loadRunModels(out, 'test'))[0]!;
    model.train(false);
    const prefix = ['w1', 'w2', 'w3'].map((w) => vocab.indexOf(w));
    for (let i = 0; i < 6; i++) {
      const cache = model.initCache(1);
      const ids = tf.tensor2d(Int32Array.from(prefix), [1, prefix.length], 'int32');
      const f = model.forward(ids, cache);
      const last = (f.logProbs.dataSync() as Float32Array).slice((prefix.length - 1) * vocab.length);
      prefix.push(sampleToken(last, {}));
      tf.dispose([cache, ids, f.logProbs, f.auxLoss, f.nextCache]);
      disposeLayerReports(f.layers);
    }
    const expected = prefix
      .map((id) => vocab[id]!)
      .join(' ')
      .replaceAll(' <eos> ', '\n')
      .replace(/ ?<eos>$/, '\n')
      .replace(/^<eos> ?/, '\n');
    expect(g.out).toBe(expected);
    // The same model as official-name weights (config in the file's metadata) with --weights and --vocab.
    const official = join(dir, 'official.safetensors');
    await saveWeights(model, official);
    const w = await cli(
      'generate',
      '--weights',
      official,
      '--vocab',
      join(out, 'vocab.txt'),
      '--prompt',
      'w1 w2 w3',
      '--tokens',
      '6',
      '--temperature',
      '0',
      '--backend',
      'wasm',
    );
    expect(w.code, w.err).toBe(0);
    expect(w.out).toBe(expected);
    model.dispose();

    const sample = (seed: string) =>
      cli(
        'generate',
        '--run',
        out,
        '--prompt',
        'w1',
        '--tokens',
        '12',
        '--seed',
        seed,
        '--temperature',
        '1.5',
        '--backend',
        'wasm',
      );
    const [a, b] = [await sample('7'), await sample('7')];
    expect(a.out).toBe(b.out);
  }, 300_000);

  it('names the fix for a missing run folder and a missing prompt', async () => {
    const r = await cli('generate', '--run', '/nonexistent-run', '--prompt', 'x');
    expect(r.code).toBe(2);
    expect(r.err).toBe('msmoe generate: --run /nonexistent-run: no such folder');
    const p = await cli('generate', '--run', '/tmp');
    expect(p.err).toBe('msmoe generate: --prompt "some words" is required');
  });
});
