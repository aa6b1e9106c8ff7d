import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ALEXNET_TOP1_ERRORS,
  DatasetError,
  IMAGENET_C_CORRUPTIONS,
  meanCorruptionError,
  readSubsetSet,
  scanImageNetC,
  restrictedArgmax,
  restrictLogits,
  subsetMapping,
} from '@momentum-smoe/datasets';
import { tempDir, writeClassFolders } from './imagenet-fixtures.js';

const FULL = ['n01', 'n02', 'n03', 'n04', 'n05', 'n06'].map((w) => w.padEnd(9, '0'));

describe('ImageNet-A/R subset masking', () => {
  it('maps subset wnids to full indices and takes the argmax over the subset only', () => {
    const m = subsetMapping(FULL, [FULL[1]!, FULL[4]!, FULL[5]!]);
    expect([...m.toFull]).toEqual([1, 4, 5]);
    expect([...m.mask]).toEqual([0, 1, 0, 0, 1, 1]);
    // row 0: global argmax is class 0 (outside), best inside is class 4 → subset label 1
    // row 1: global argmax is class 5 → subset label 2; row 2: tie between 1 and 4 → first (label 0)
    const logits = Float32Array.from([9, 1, 0, 0, 3, 2, /**/ 0, 1, 8, 0, 2, 9, /**/ 0, 5, 7, 0, 5, -1]);
    expect([...restrictedArgmax(logits, m)]).toEqual([1, 2, 0]);
    expect([...restrictLogits(logits, m)]).toEqual([1, 3, 2, 1, 2, 9, 5, 5, -1]);
    expect(() => subsetMapping(FULL, ['n09999999'])).toThrow(/n09999999 is not one of the 6/);
    expect(() => restrictedArgmax(new Float32Array(7), m)).toThrow(DatasetError);
  });

  it('readSubsetSet labels by the sorted subset wnids (seeded random logits vs a naive masked argmax, seed 3)', async () => {
    const dir = await tempDir();
    await writeClassFolders(dir, { [FULL[5]!]: 1, [FULL[2]!]: 2 }, 12);
    const { set, mapping } = await readSubsetSet(dir, FULL);
    expect(set.classes).toEqual([FULL[2], FULL[5]]);
    expect(set.images.map((i) => i.label)).toEqual([0, 0, 1]);
    let s = 3;
    const logits = Float32Array.from(
      { length: 50 * 6 },
      () => ((s = (Math.imul(s, 69069) + 1) >>> 0) / 2 ** 32) * 10 - 5,
    );
    const naive = Array.from({ length: 50 }, (_, b) => (logits[b * 6 + 2]! >= logits[b * 6 + 5]! ? 0 : 1));
    expect([...restrictedArgmax(logits, mapping)], 'seed 3').toEqual(naive);
  });
});

describe('mCE', () => {
  it('matches a hand computation: mean error over severities / AlexNet, mean × 100', () => {
    const report = meanCorruptionError({
      gaussian_noise: [0.5, 0.6, 0.7, 0.8, 0.9], // mean 0.7
      impulse_noise: [0.2, 0.4, 0.6, 0.8, 1.0], // mean 0.6
      jpeg_compression: [0.1, 0.1, 0.1, 0.1, 0.1], // mean 0.1
    });
    // AlexNet errors from docs/paper-notes.md#imagenet-robustness-sets: Gaussian .886428, Impulse .922640, JPEG .606500
    const ce = [0.7 / 0.886428, 0.6 / 0.92264, 0.1 / 0.6065];
    expect(report.ce.gaussian_noise).toBeCloseTo(ce[0]!, 12);
    expect(report.ce.impulse_noise).toBeCloseTo(ce[1]!, 12);
    expect(report.mCE).toBeCloseTo((100 * (ce[0]! + ce[1]! + ce[2]!)) / 3, 10);
    expect(report.mCE).toBeCloseTo(53.4958, 3); // 100·(0.789686 + 0.650308 + 0.164880)/3
  });

  it('an AlexNet-equal model scores mCE 100 over all 15 corruptions; the reference table is in docs/paper-notes.md#imagenet-robustness-sets', () => {
    const paper = [
      0.886428, 0.894468, 0.92264, 0.81988, 0.826268, 0.785948, 0.79836, 0.866816, 0.826572, 0.819324, 0.564592,
      0.853204, 0.646056, 0.71784, 0.6065,
    ];
    expect(IMAGENET_C_CORRUPTIONS.map((c) => ALEXNET_TOP1_ERRORS[c])).toEqual(paper);
    const errors = Object.fromEntries(IMAGENET_C_CORRUPTIONS.map((c, i) => [c, [0, 0, 0, 0, 0].map(() => paper[i]!)]));
    expect(meanCorruptionError(errors).mCE).toBeCloseTo(100, 10);
  });

  it('rejects four severities, an unknown corruption and accuracies in percent', () => {
    expect(() => meanCorruptionError({ gaussian_noise: [0.1, 0.2, 0.3, 0.4] })).toThrow(/all 5 severities/);
    expect(() => meanCorruptionError({ gaussian_blur: [0.1, 0.2, 0.3, 0.4, 0.5] })).toThrow(
      /no reference error for corruption "gaussian_blur"/,
    );
    expect(() => meanCorruptionError({ gaussian_noise: [60, 50, 40, 30, 20] })).toThrow(/fractions in \[0, 1\]/);
  });
});

describe('ImageNet-C layout errors', () => {
  it('a severity folder outside 1..5 and a missing corruption name the path', async () => {
    const dir = await tempDir();
    await writeClassFolders(join(dir, 'fog', '6'), { [FULL[0]!]: 1 }, 8);
    await expect(scanImageNetC(dir, FULL)).rejects.toThrow(join(dir, 'fog', '6'));
    await expect(scanImageNetC(dir, FULL, ['snow'])).rejects.toThrow(join(dir, 'snow'));
  });
});
