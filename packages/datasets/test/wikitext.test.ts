import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ByteIndex,
  DatasetError,
  SeededRandom,
  Vocabulary,
  findWikiTextFiles,
  fnv1a,
  loadWikiText,
  tokenizeFile,
  tokenizeText,
  wikitextStats,
} from '@momentum-smoe/datasets';

const root = mkdtempSync(join(tmpdir(), 'msmoe-wikitext-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// Python's str.split() whitespace and text-mode line ends, written independently of the tokenizer.
// eslint-disable-next-line no-control-regex -- \x1c-\x1f (file/group/record/unit separators) are whitespace to Python
const PY_WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
function referenceLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r\n|\r|\n/);
  if (/[\r\n]$/.test(text)) lines.pop();
  return lines;
}
/** The official data.py algorithm: tokens = line.split() + ['<eos>'], ids in first-seen order over the splits. */
function reference(texts: string[], trainOnly = false): { vocab: string[]; ids: number[][]; lines: number[] } {
  const vocab: string[] = [];
  const index = new Map<string, number>();
  const add = (w: string): number => {
    if (!index.has(w)) {
      index.set(w, vocab.length);
      vocab.push(w);
    }
    return index.get(w)!;
  };
  const ids: number[][] = [];
  texts.forEach((text, split) => {
    if (trainOnly && split > 0) add('<unk>');
    const out: number[] = [];
    for (const line of referenceLines(text)) {
      for (const w of [...line.split(PY_WHITESPACE).filter((t) => t !== ''), '<eos>']) {
        out.push(trainOnly && split > 0 ? (index.get(w) ?? index.get('<unk>')!) : add(w));
      }
    }
    ids.push(out);
  });
  add('<unk>');
  return { vocab, ids, lines: texts.map((t) => referenceLines(t).length) };
}

const POOL = [
  'the',
  'The',
  'cat',
  'sat',
  '@-@',
  '<unk>',
  ',',
  '.',
  'café',
  'naïve',
  '日本',
  'x\u0002y',
  'anti@-@war',
  'AAA',
  '\u{1f600}',
  '\ufeffbom',
];
const SEPS = [' ', ' ', ' ', '  ', '\t', '\u00a0', '\u3000', '\x1c', '\u2009', '\u0085'];
const ENDS = ['\n', '\n', '\n', '\r\n', '\r'];
/** A random text in WikiText style with awkward whitespace, empty lines and mixed line ends. */
function randomText(seed: number, lines: number): string {
  const rng = new SeededRandom(seed);
  let text = '';
  for (let l = 0; l < lines; l++) {
    const words = rng.int(4) === 0 ? 0 : rng.int(12);
    if (rng.int(3) === 0) text += ' ';
    for (let w = 0; w < words; w++) text += (w > 0 ? SEPS[rng.int(SEPS.length)]! : '') + POOL[rng.int(POOL.length)]!;
    if (rng.int(4) === 0) text += ' ';
    text += ENDS[rng.int(ENDS.length)]!;
  }
  return text;
}

function writeCorpus(name: string, texts: string[], layout: 'txt' | 'tokens' = 'txt'): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  ['train', 'valid', 'test'].forEach((split, i) =>
    writeFileSync(join(dir, layout === 'txt' ? `${split}.txt` : `wiki.${split}.tokens`), texts[i]!),
  );
  return dir;
}

describe('byte index', () => {
  it('finds every inserted word by its bytes across table growth, and misses absent ones (seed 3)', () => {
    const rng = new SeededRandom(3);
    const index = new ByteIndex();
    const reference = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const word = `${'abcé日'[rng.int(5)]}${rng.int(1_000_000)}`;
      if (reference.has(word)) continue;
      reference.set(word, index.insert(Buffer.from(word)));
    }
    expect([...reference.values()]).toEqual([...reference.keys()].map((_, i) => i));
    for (const [word, id] of reference) {
      const bytes = Buffer.from(`  ${word} `);
      expect(index.find(bytes, 2, bytes.length - 1, fnv1a(bytes, 2, bytes.length - 1)), `seed 3 ${word}`).toBe(id);
    }
    const absent = Buffer.from('zz-absent');
    expect(index.find(absent, 0, absent.length, fnv1a(absent, 0, absent.length))).toBe(-1);
  });
});

describe('tokenisation (official rules)', () => {
  it('appends <eos> to every line and gives an empty line a lone <eos>; ids in first-seen order', () => {
    const vocab = new Vocabulary();
    const { ids, lines } = tokenizeText('b a\n\n a  c \nb', vocab);
    // Hand-computed: b=0 a=1 <eos>=2 c=3.
    expect(vocab.words).toEqual(['b', 'a', '<eos>', 'c']);
    expect(Array.from(ids)).toEqual([0, 1, 2, 2, 1, 3, 2, 0, 2]);
    expect(lines).toBe(4);
  });

  it('a first empty line gives <eos> id 0, and CR, CRLF and LF all end lines', () => {
    const vocab = new Vocabulary();
    expect(Array.from(tokenizeText(' \r\nx\ry\n', vocab).ids)).toEqual([0, 1, 0, 2, 0]);
    expect(vocab.words).toEqual(['<eos>', 'x', 'y']);
  });

  for (const seed of [1, 2, 3]) {
    it(`file tokenisation matches the reference over chunk boundaries (seed ${seed})`, async () => {
      const texts = [randomText(seed, 300), randomText(seed + 100, 80), randomText(seed + 200, 80)];
      const ref = reference(texts);
      const dir = writeCorpus(`random-${seed}`, texts);
      const vocab = new Vocabulary();
      for (const [i, split] of (['train', 'valid', 'test'] as const).entries()) {
        const got = await tokenizeFile(join(dir, `${split}.txt`), vocab, { chunkBytes: 37 });
        expect(Array.from(got.ids), `seed ${seed} ${split}`).toEqual(ref.ids[i]);
        expect(got.lines, `seed ${seed} ${split}`).toBe(ref.lines[i]);
      }
      vocab.add('<unk>');
      expect(vocab.words, `seed ${seed}`).toEqual(ref.vocab);
    });
  }

  const hasPython = (() => {
    try {
      execFileSync('python3', ['-c', 'print(1)']);
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(!hasPython)('matches the official Python code run on the same files (seed 7)', async () => {
    const texts = [randomText(7, 200), randomText(8, 50), randomText(9, 50)];
    const dir = writeCorpus('python', texts);
    const script = [
      'import json, sys, os',
      'd = {}; out = []',
      'for s in ["train", "valid", "test"]:',
      '  ids = []',
      '  with open(os.path.join(sys.argv[1], s + ".txt"), "r", encoding="utf8") as f:',
      '    for line in f:',
      '      for t in line.split() + ["<eos>"]:',
      '        if t not in d: d[t] = len(d)',
      '        ids.append(d[t])',
      '  out.append(ids)',
      'print(json.dumps({"vocab": sorted(d, key=d.get), "ids": out}))',
    ].join('\n');
    const py = JSON.parse(execFileSync('python3', ['-c', script, dir], { encoding: 'utf8' })) as {
      vocab: string[];
      ids: number[][];
    };
    const corpus = await loadWikiText(dir, { cacheDir: null });
    expect(corpus.vocab.words.slice(0, py.vocab.length)).toEqual(py.vocab);
    expect(Array.from(corpus.splits.train.ids)).toEqual(py.ids[0]);
    expect(Array.from(corpus.splits.valid.ids)).toEqual(py.ids[1]);
    expect(Array.from(corpus.splits.test.ids)).toEqual(py.ids[2]);
  });

  it('rejects a file that is not UTF-8 with a DatasetError naming it', async () => {
    const file = join(root, 'bad-utf8.txt');
    writeFileSync(file, Buffer.from([0x61, 0x20, 0xff, 0xfe, 0x0a]));
    await expect(tokenizeFile(file, new Vocabulary())).rejects.toThrow(DatasetError);
    await expect(tokenizeFile(file, new Vocabulary())).rejects.toThrow(file);
  });
});

describe('corpus layouts and vocabulary modes', () => {
  it('reads both layouts and names the directory and file names when neither is there', () => {
    const texts = ['a\n', 'b\n', 'c\n'];
    expect(findWikiTextFiles(writeCorpus('layout-tokens', texts, 'tokens')).layout).toBe('wiki.tokens');
    expect(findWikiTextFiles(writeCorpus('layout-txt', texts, 'txt')).layout).toBe('txt');
    const empty = join(root, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'train.txt'), 'only train\n');
    expect(() => findWikiTextFiles(empty)).toThrow(DatasetError);
    expect(() => findWikiTextFiles(empty)).toThrow(/wiki\.train\.tokens.*valid\.txt/);
    expect(() => findWikiTextFiles(join(root, 'missing'))).toThrow(/missing/);
  });

  it('train-only vocabulary maps words unseen in train to <unk>', async () => {
    const texts = ['the cat sat\nthe dog\n', 'the bird sat\n', 'a cat\n'];
    const ref = reference(texts, true);
    const corpus = await loadWikiText(writeCorpus('train-only', texts), { vocabulary: 'train', cacheDir: null });
    expect(corpus.vocab.words).toEqual(ref.vocab);
    // Hand-checked: valid "bird" and test "a" are <unk>.
    expect(corpus.vocab.words).toEqual(['the', 'cat', 'sat', '<eos>', 'dog', '<unk>']);
    expect(Array.from(corpus.splits.valid.ids)).toEqual([0, 5, 2, 3]);
    expect(Array.from(corpus.splits.test.ids)).toEqual([5, 1, 3]);
  });

  it('stats count lines and tokens (with <eos>) and report progress up to the total bytes', async () => {
    const texts = [randomText(11, 120), randomText(12, 30), randomText(13, 30)];
    const dir = writeCorpus('stats', texts);
    const ref = reference(texts);
    const seen = new Map<string, [number, number]>();
    const stats = await wikitextStats(dir, {
      cacheDir: join(root, 'stats-cache'),
      onProgress: (done, total, phase) => seen.set(phase, [done, total]),
    });
    const total = texts.reduce((s, t) => s + Buffer.byteLength(t), 0);
    expect(stats).toEqual({
      vocab: ref.vocab.length,
      splits: {
        train: { lines: ref.lines[0], tokens: ref.ids[0]!.length },
        valid: { lines: ref.lines[1], tokens: ref.ids[1]!.length },
        test: { lines: ref.lines[2], tokens: ref.ids[2]!.length },
      },
    });
    expect(seen.get('hash')).toEqual([total, total]);
    expect(seen.get('tokenize')).toEqual([total, total]);
  });
});

describe('corpus cache', () => {
  const texts = [randomText(21, 200), randomText(22, 40), randomText(23, 40)];
  const dir = writeCorpus('cached', texts);
  const cacheDir = join(root, 'cache');
  const warnings: string[] = [];
  const load = () => loadWikiText(dir, { cacheDir, onWarning: (m) => warnings.push(m) });
  const cacheFile = () =>
    join(
      cacheDir,
      readdirSync(cacheDir).find((f) => f.endsWith('.cache'))!,
    );

  it('hits on an unchanged corpus with identical ids and vocabulary', async () => {
    const first = await load();
    const second = await load();
    expect(first.fromCache).toBe(false);
    expect(second.fromCache).toBe(true);
    expect(second.vocab.words).toEqual(reference(texts).vocab);
    for (const s of ['train', 'valid', 'test'] as const) {
      expect(Array.from(second.splits[s].ids)).toEqual(reference(texts).ids[['train', 'valid', 'test'].indexOf(s)]);
      expect(second.splits[s].lines).toBe(first.splits[s].lines);
    }
    expect(warnings).toEqual([]);
  });

  it('is invalidated by changed content of the same size', async () => {
    const changed = texts[1]!.replace('cat', 'dog');
    expect(Buffer.byteLength(changed)).toBe(Buffer.byteLength(texts[1]!));
    writeFileSync(join(dir, 'valid.txt'), changed);
    const after = await load();
    expect(after.fromCache).toBe(false);
    expect(Array.from(after.splits.valid.ids)).toEqual(reference([texts[0]!, changed, texts[2]!]).ids[1]);
    expect((await load()).fromCache).toBe(true);
  });

  it('rebuilds a corrupt cache with a warning: bad magic, truncation, an id out of range', async () => {
    const corruptions: Array<(b: Buffer) => Buffer> = [
      (b) => {
        b[0] = 0;
        return b;
      },
      (b) => b.subarray(0, b.length - 4),
      (b) => {
        b.writeInt32LE(1 << 30, b.length - 8);
        return b;
      },
    ];
    for (const [i, corrupt] of corruptions.entries()) {
      writeFileSync(cacheFile(), corrupt(readFileSync(cacheFile())));
      warnings.length = 0;
      const rebuilt = await load();
      expect(rebuilt.fromCache, `corruption ${i}`).toBe(false);
      expect(warnings.length, `corruption ${i}`).toBe(1);
      expect(warnings[0], `corruption ${i}`).toMatch(/corrupt corpus cache/);
      expect((await load()).fromCache, `corruption ${i}`).toBe(true);
    }
  });
});
