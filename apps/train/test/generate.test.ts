import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { disposeLayerReports, sampleToken, saveWeights } from '@momentum-smoe/models';
import { cli } from './cli-helper.js';
import { TINY_CONFIG, tinyTrain, writeCorpus } from './tiny-run.js';
import { loadRunModels } from '../src/data/run-models.js';

describe('msmoe train → vocab.txt → msmoe generate', () => {
  it('keeps the vocabulary beside the weights, and greedy generation is the arg-max of full forward passes (seed 4)', async () => {
    const data = mkdtempSync(join(tmpdir(), 'corpus-'));
    writeCorpus(data, 4, 200);
    const dir = mkdtempSync(join(tmpdir(), 'run-'));
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...TINY_CONFIG, dropout: 0 }));
    const out = join(dir, 'run');
    const t = await cli(...tinyTrain(join(dir, 'model.json'), data, out));
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
