// End to end on a generated ImageNet layout: Kaggle's ILSVRC tree with LOC_val_solution.csv, ImageNet-A/R subset
// folders and an ImageNet-C corruption/severity/class tree. A V-MoE S/32 preset (shrunk by --config, with the full
// light1 recipe: inception crop, flip, RandAugment, mixup) trains on 4 classes, is interrupted and resumed with
// identical metrics, and is evaluated (top-1/top-5, A/R/C, mCE) by `msmoe eval`; `msmoe compare` runs on it too.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ALEXNET_TOP1_ERRORS } from '@momentum-smoe/datasets';
import { cli } from './cli-helper.js';

const WNIDS = ['n01440764', 'n01443537', 'n01484850', 'n01491361'];
const TINY = {
  imageSize: 32,
  patchSize: 16,
  hidden: 16,
  mlpDim: 32,
  heads: 2,
  blocks: 2,
  representationSize: 16,
  moe: { blocks: [1], experts: 4, expertHidden: 32, groupSize: 2 },
};

/** A 40×36 JPEG whose colour depends on the class (so classes differ) with a seeded texture. */
async function writeJpeg(path: string, cls: number, seed: number): Promise<void> {
  const [w, h] = [40, 36];
  const rgb = new Uint8Array(w * h * 3);
  let s = seed * 7919 + 1;
  for (let i = 0; i < rgb.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    rgb[i] = ((i % 3 === cls % 3 ? 180 : 40) + (s >>> 27) + (cls === 3 ? 60 : 0)) & 255;
  }
  mkdirSync(dirname(path), { recursive: true });
  await sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
    .jpeg({ quality: 85 })
    .toFile(path);
}

interface Layout {
  root: string;
  a: string;
  r: string;
  c: string;
  threeClasses: string;
  valImages: number;
}

/** The generated folders (4 train images per class, 8 val images, 2 classes in A and R, 2 ImageNet-C corruptions). */
async function writeLayout(): Promise<Layout> {
  const base = mkdtempSync(join(tmpdir(), 'msmoe-e2e-'));
  const root = join(base, 'imagenet');
  const cls = join(root, 'ILSVRC', 'Data', 'CLS-LOC');
  let seed = 0;
  for (const [k, wnid] of WNIDS.entries())
    for (let i = 0; i < 4; i++) await writeJpeg(join(cls, 'train', wnid, `${wnid}_${i}.JPEG`), k, seed++);
  const csv = ['ImageId,PredictionString'];
  for (let i = 1; i <= 8; i++) {
    const id = `ILSVRC2012_val_${String(i).padStart(8, '0')}`;
    const k = i % 4;
    await writeJpeg(join(cls, 'val', `${id}.JPEG`), k, seed++);
    csv.push(`${id},${WNIDS[k]} 10 20 30 40`);
  }
  writeFileSync(join(root, 'LOC_val_solution.csv'), csv.join('\n') + '\n');
  writeFileSync(join(root, 'LOC_synset_mapping.txt'), WNIDS.map((w, k) => `${w} class ${k}`).join('\n') + '\n');
  const [a, r, c] = ['imagenet-a', 'imagenet-r', 'imagenet-c'].map((d) => join(base, d)) as [string, string, string];
  for (const dir of [a, r])
    for (const k of [0, 2]) for (let i = 0; i < 2; i++) await writeJpeg(join(dir, WNIDS[k]!, `x${i}.jpg`), k, seed++);
  const valFiles = readdirSync(join(cls, 'val')).sort();
  for (const corruption of ['gaussian_noise', 'my_blur']) {
    for (const severity of corruption === 'my_blur' ? [1] : [1, 2, 3, 4, 5]) {
      valFiles.forEach((f, i) => {
        const to = join(c, corruption, String(severity), WNIDS[(i + 1) % 4]!, f);
        mkdirSync(dirname(to), { recursive: true });
        copyFileSync(join(cls, 'val', f), to);
      });
    }
  }
  const threeClasses = join(base, 'three');
  for (const [k, wnid] of WNIDS.slice(0, 3).entries())
    for (let i = 0; i < 2; i++) await writeJpeg(join(threeClasses, 'train', wnid, `t${i}.JPEG`), k, seed++);
  for (const [k, wnid] of WNIDS.slice(0, 3).entries())
    await writeJpeg(join(threeClasses, 'val', wnid, `v.JPEG`), k, seed++);
  writeFileSync(join(base, 'tiny.json'), JSON.stringify(TINY));
  return { root, a, r, c, threeClasses, valImages: 8 };
}

type Row = Record<string, unknown>;
const metrics = (dir: string): Row[] =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Row)
    .map(({ imagesPerSecond: _, ...rest }) => rest); // timing differs between runs

/** Runs `msmoe` with Ctrl-C delivered as soon as the run installs its interrupt handler (no real signal is sent). */
async function interruptedCli(...argv: string[]) {
  const once = process.once.bind(process);
  let handled = false;
  vi.spyOn(process, 'once').mockImplementation(((event: string, listener: () => void) => {
    if (event !== 'SIGINT') return once(event, listener);
    if (!handled) setImmediate(listener); // the first Ctrl-C; the handler's "second Ctrl-C exits" is not installed
    handled = true;
    return process;
  }) as typeof process.once);
  return cli(...argv);
}

describe('msmoe on an ImageNet-layout folder (V-MoE S/32, light1 recipe)', () => {
  let L: Layout;
  let tiny: string;
  beforeAll(async () => {
    L = await writeLayout();
    tiny = join(dirname(L.root), 'tiny.json');
  }, 60_000);
  const flags = () => [
    '--preset',
    'momentum-vmoe-s32',
    '--data',
    L.root,
    '--config',
    tiny,
    '--steps',
    '4',
    '--batch',
    '4',
    '--eval-every',
    '2',
    '--backend',
    'wasm',
  ];

  it('trains with the head following the 4 classes, resumes an interrupted run identically, and evaluates A/R/C', async () => {
    // First, so that this process has no interrupt handler from an earlier command yet (the mock sees it installed).
    const cut = join(dirname(L.root), 'cut');
    const i = await interruptedCli('train', ...flags(), '--out', cut);
    expect(i.code, i.err).toBe(130); // Ctrl-C's exit status
    expect(i.out).toMatch(/interrupted after a checkpoint/);
    expect(metrics(cut).filter((r) => r.kind === 'train').length).toBeLessThan(4);
    const full = join(dirname(L.root), 'full');
    const t = await cli('train', ...flags(), '--out', full);
    expect(t.code, t.err).toBe(0);
    expect(t.err).toMatch(/16 train, 8 val images\) \(4 classes/);
    const run = JSON.parse(readFileSync(join(full, 'run.json'), 'utf8')) as {
      run: { model: { numClasses: number; imageSize: number }; augment: unknown };
    };
    expect(run.run.model).toMatchObject({ numClasses: 4, imageSize: 32 });
    expect(run.run.augment).toEqual({
      cropArea: [0.05, 1],
      randAugment: { layers: 2, magnitude: 10 },
      mixup: { concentration: 0.2, size: 2 },
    });
    const rows = metrics(full);
    expect(rows.filter((r) => r.kind === 'train').every((r) => Number.isFinite(r.loss))).toBe(true);

    const resumed = await cli('train', '--resume', cut, '--backend', 'wasm');
    expect(resumed.code, resumed.err).toBe(0);
    expect(metrics(cut)).toEqual(rows);

    const e = await cli(
      'eval',
      '--weights',
      join(full, 'best.safetensors'),
      '--data',
      L.root,
      '--imagenet-a',
      L.a,
      '--imagenet-r',
      L.r,
      '--imagenet-c',
      L.c,
      '--json',
      '--backend',
      'wasm',
    );
    expect(e.code, e.err).toBe(0);
    type Acc = { top1: number; top5: number; count: number };
    const result = JSON.parse(e.out) as {
      clean: Acc;
      imagenet: {
        a: Acc;
        r: Acc;
        c: { top1: Record<string, number[]>; mCE: number; ce: Record<string, number>; excluded: string[] };
      };
    };
    const best = Math.max(...rows.filter((r) => r.kind === 'eval').map((r) => r.top1 as number));
    expect(result.clean.count).toBe(L.valImages);
    expect(result.clean.top1).toBeCloseTo(best, 6);
    expect(result.clean.top5).toBe(1); // 4 classes: every label is in the top 5
    for (const sub of [result.imagenet.a, result.imagenet.r]) expect(sub).toMatchObject({ count: 4, top5: 1 });
    const c = result.imagenet.c;
    expect(c.excluded).toEqual(['my_blur']);
    expect(c.top1.gaussian_noise).toHaveLength(5);
    // mCE by hand: 100 · Σ_s error / Σ_s AlexNet error, AlexNet's error taken as the same at every severity.
    const errSum = c.top1.gaussian_noise!.reduce((a, v) => a + (1 - v), 0);
    expect(c.mCE).toBeCloseTo((100 * errSum) / (5 * ALEXNET_TOP1_ERRORS.gaussian_noise), 6);
  }, 600_000);

  it('a 4-class model evaluated on a 3-class folder is one line naming the fix; compare trains on the folder', async () => {
    const out = join(dirname(L.root), 'three-run');
    const t = await cli('train', ...flags(), '--out', out);
    expect(t.code, t.err).toBe(0);
    const e = await cli(
      'eval',
      '--weights',
      join(out, 'best.safetensors'),
      '--data',
      L.threeClasses,
      '--backend',
      'wasm',
    );
    expect(e.code).toBe(2);
    expect(e.err.trim().split('\n').at(-1)).toMatch(
      /classifies 4 classes but .* has 3; evaluate on the folder the model was trained on/,
    );
    const compare = join(dirname(L.root), 'compare');
    const c = await cli(
      'compare',
      '--variants',
      'vmoe,momentum-vmoe',
      '--seeds',
      '1',
      '--size',
      's32',
      '--data',
      L.root,
      '--config',
      tiny,
      '--steps',
      '2',
      '--batch',
      '4',
      '--out',
      compare,
      '--backend',
      'wasm',
    );
    expect(c.code, c.err).toBe(0);
    expect(c.out).toMatch(/\| vmoe-s32 +\|/);
    expect(c.out).toMatch(/\| momentum-vmoe-s32 +\|/);
  }, 600_000);
});
