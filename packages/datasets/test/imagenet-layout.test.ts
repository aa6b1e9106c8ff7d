import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DatasetError,
  openImageNet,
  readValidationSet,
  scanClassFolders,
  parseSynsetWords,
} from '@momentum-smoe/datasets';
import { tempDir, texture, writeClassFolders, writeImage } from './imagenet-fixtures.js';

// Folders are created in non-sorted order; the expected class index is the hand-sorted list.
const COUNTS = { n03000000: 2, n01000000: 3, n02000000: 1 };
const SORTED = ['n01000000', 'n02000000', 'n03000000'];

async function expectDatasetError(promise: Promise<unknown>, path: string, words: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DatasetError);
  expect((error as DatasetError).path).toBe(path);
  expect((error as Error).message).toContain(path);
  expect((error as Error).message).toMatch(words);
}

describe('ILSVRC-2012 layouts', () => {
  let root: string;
  let files: Map<string, string[]>;
  beforeAll(async () => {
    root = await tempDir();
    files = await writeClassFolders(join(root, 'train'), COUNTS);
  });

  it('class-folder layout: classes are the sorted wnids, images sorted by class then name', async () => {
    const train = await scanClassFolders(join(root, 'train'));
    expect(train.classes).toEqual(SORTED);
    const expected = SORTED.flatMap((wnid, label) =>
      [...files.get(wnid)!].sort().map((f) => ({ path: join(root, 'train', wnid, f), label })),
    );
    expect(train.images).toEqual(expected);
  });

  it('val in class folders is labelled by the train class order', async () => {
    const val = join(root, 'val-folders');
    await writeClassFolders(val, { n03000000: 1, n01000000: 1 });
    const set = await readValidationSet(val, { classes: SORTED });
    expect(set.images.map((i) => i.label)).toEqual([0, 2]);
    expect(set.classes).toEqual(SORTED);
  });

  it("flat val with Kaggle's LOC_val_solution.csv found in a parent folder", async () => {
    const kaggle = join(root, 'kaggle');
    const val = join(kaggle, 'ILSVRC', 'Data', 'CLS-LOC', 'val');
    const labels = ['n02000000', 'n03000000', 'n01000000', 'n03000000'];
    for (let i = 0; i < labels.length; i++)
      await writeImage(join(val, `ILSVRC2012_val_0000000${i + 1}.JPEG`), texture(30, 20, i + 50), 30, 20);
    const rows = labels.map((w, i) => `ILSVRC2012_val_0000000${i + 1},${w} 1 2 29 19 ${w} 3 3 10 10`);
    // an extra row without an image is ignored
    await writeFile(
      join(kaggle, 'LOC_val_solution.csv'),
      ['ImageId,PredictionString', ...rows, 'ILSVRC2012_val_00000099,n01000000 1 1 2 2'].join('\n'),
    );
    const set = await readValidationSet(val, { classes: SORTED });
    expect(set.images.map((i) => i.label)).toEqual([1, 2, 0, 2]);
  });

  it('flat val with the devkit ground truth and a wnid-order file (ILSVRC2012_ID order ≠ sorted order)', async () => {
    const dir = join(root, 'devkit');
    const val = join(dir, 'val');
    // ID 1 = n03, ID 2 = n01, ID 3 = n02; images 1..3 have IDs 3, 1, 2 → wnids n02, n03, n01 → labels 1, 2, 0
    for (let n = 1; n <= 3; n++)
      await writeImage(join(val, `ILSVRC2012_val_0000000${n}.JPEG`), texture(20, 20, n), 20, 20);
    await writeFile(join(dir, 'ILSVRC2012_validation_ground_truth.txt'), '3\n1\n2\n');
    await writeFile(join(dir, 'wnid_order.txt'), 'n03000000 third\nn01000000 first\nn02000000 second\n');
    const labels = {
      kind: 'devkit',
      groundTruth: join(dir, 'ILSVRC2012_validation_ground_truth.txt'),
      wnidOrder: join(dir, 'wnid_order.txt'),
    } as const;
    const set = await readValidationSet(val, { classes: SORTED, labels });
    expect(set.images.map((i) => i.label)).toEqual([1, 2, 0]);
  });

  it('openImageNet reads the Kaggle tree and the synset names', async () => {
    const kaggle = join(root, 'kaggle');
    await writeClassFolders(join(kaggle, 'ILSVRC', 'Data', 'CLS-LOC', 'train'), COUNTS);
    await writeFile(
      join(kaggle, 'LOC_synset_mapping.txt'),
      'n01000000 tench, Tinca tinca\nn02000000 goldfish\nn03000000 shark\n',
    );
    const net = await openImageNet(kaggle);
    expect(net.classes).toEqual(SORTED);
    expect(net.names).toEqual(['tench, Tinca tinca', 'goldfish', 'shark']);
    expect(net.train.images).toHaveLength(6);
    expect(net.val.images.map((i) => i.label)).toEqual([1, 2, 0, 2]);
  });

  it('synset words: names after the wnid; a malformed line names the file and line', () => {
    expect(parseSynsetWords('n01440764 tench, Tinca tinca\r\nn01443537 goldfish\n').get('n01443537')).toBe('goldfish');
    expect(() => parseSynsetWords('n01440764 tench\ntench n01440764\n', 'words.txt')).toThrow(/words\.txt: line 2/);
  });

  it('a missing folder, an empty class, a flat val without labels and an unlabelled image are errors naming the path', async () => {
    await expectDatasetError(scanClassFolders(join(root, 'nope')), join(root, 'nope'), /does not exist/);
    const empty = join(root, 'with-empty');
    await writeClassFolders(empty, { n01000000: 1 });
    await mkdir(join(empty, 'n02000000'));
    await expectDatasetError(scanClassFolders(empty), join(empty, 'n02000000'), /empty class/);
    const flat = join(root, 'flat-unlabelled', 'val');
    await writeImage(join(flat, 'ILSVRC2012_val_00000001.JPEG'), texture(8, 8, 1), 8, 8);
    await expectDatasetError(readValidationSet(flat, { classes: SORTED }), flat, /LOC_val_solution\.csv/);
    await writeFile(
      join(root, 'flat-unlabelled', 'LOC_val_solution.csv'),
      'ImageId,PredictionString\nILSVRC2012_val_00000002,n01000000 1 1 2 2\n',
    );
    await expectDatasetError(
      readValidationSet(flat, { classes: SORTED }),
      join(flat, 'ILSVRC2012_val_00000001.JPEG'),
      /no row/,
    );
    await expectDatasetError(
      readValidationSet(join(root, 'train'), { classes: ['n01000000'] }),
      join(root, 'train', 'n02000000'),
      /not one of the 1/,
    );
  });
});
