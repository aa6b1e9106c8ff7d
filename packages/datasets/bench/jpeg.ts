/**
 * JPEG decode + transform throughput of the prefetching {@link ImageLoader} on generated 500×375 JPEGs
 * (smooth photo-like content plus grain, quality 90): train transform (random resized crop 224, flip,
 * [−1, 1]) and eval transform (short side 256, centre crop 224), at several decode concurrencies, plus how
 * much of a synchronous "training step" the prefetch hides, and the train transform with V-MoE's full light1
 * augmentation (inception crop 5–100%, flip, RandAugment 2 × magnitude 10, mixup 0.2).
 * Writes bench/results/datasets-jpeg.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { medianMs, writeResult } from '../../../bench/harness.js';
import { ImageLoader, scanClassFolders, SeededRandom, type ImageSet, type LoaderOptions } from '../src/index.js';

const IMAGES = 256;
const CLASSES = 4;
const BATCH = 64;

/** A 500×375 photo-like RGB image: low-frequency colour waves plus seeded grain. */
function photo(seed: number): Uint8Array {
  const [w, h] = [500, 375];
  const rng = new SeededRandom(seed);
  const rows = [0, 1, 2].map((c) =>
    Float64Array.from({ length: h }, (_, y) => 50 * Math.cos((0.005 + 0.03 * rng.uniform()) * y * (1 + c))),
  );
  const cols = [0, 1, 2].map(() =>
    Float64Array.from({ length: w }, (_, x) => 128 + 60 * Math.sin((0.005 + 0.03 * rng.uniform()) * x + seed)),
  );
  const out = new Uint8Array(w * h * 3);
  let grain = seed + 1;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++) {
        grain = (Math.imul(grain, 1664525) + 1013904223) >>> 0;
        out[(y * w + x) * 3 + c] = Math.max(
          0,
          Math.min(255, Math.round(cols[c]![x]! + rows[c]![y]! + (grain >>> 28) - 8)),
        );
      }
  return out;
}

async function makeSet(dir: string): Promise<ImageSet> {
  for (let i = 0; i < IMAGES; i++) {
    const file = join(dir, `n0${i % CLASSES}000000`, `img_${i}.JPEG`);
    await sharp(photo(i), { raw: { width: 500, height: 375, channels: 3 } })
      .jpeg({ quality: 90 })
      .toFile(await ensureDir(file));
  }
  return scanClassFolders(dir);
}

async function ensureDir(file: string): Promise<string> {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(join(file, '..'), { recursive: true });
  return file;
}

/** Images/s of one full epoch (median of 3 after 1 warm-up), optionally with a busy step per batch. */
async function imagesPerSecond(set: ImageSet, options: LoaderOptions, stepMs = 0): Promise<number> {
  const loader = new ImageLoader(set, options);
  const ms = await medianMs(
    async () => {
      for await (const batch of loader.epoch()) {
        const until = performance.now() + stepMs;
        while (performance.now() < until && batch.count > 0); // a synchronous training step on the main thread
      }
    },
    { warmup: 1, reps: 3 },
  );
  return Math.round((IMAGES / ms) * 1000);
}

/** Runs the benchmark and writes its results. */
export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'msmoe-jpeg-bench-'));
  try {
    const t0 = performance.now();
    const set = await makeSet(dir);
    const generateMs = performance.now() - t0;
    const base = { batchSize: BATCH, size: 224, seed: 1 } as const;
    const train: Record<string, number> = {};
    const evaluation: Record<string, number> = {};
    for (const concurrency of [1, 4, 16]) {
      train[`concurrency${concurrency}`] = await imagesPerSecond(set, { ...base, train: true, concurrency });
      evaluation[`concurrency${concurrency}`] = await imagesPerSecond(set, { ...base, train: false, concurrency });
    }
    const light1 = {
      scale: [0.05, 1],
      randAugment: { layers: 2, magnitude: 10 },
      mixup: { concentration: 0.2, size: 2 },
    } as const;
    const trainLight1: Record<string, number> = {};
    for (const concurrency of [4, 16])
      trainLight1[`concurrency${concurrency}`] = await imagesPerSecond(set, {
        ...base,
        ...light1,
        train: true,
        concurrency,
      });
    // A 100 ms synchronous step per batch of 64: serial would take decode + steps, full overlap max(decode, steps).
    const stepMs = 100;
    const withSteps = await imagesPerSecond(set, { ...base, train: true, concurrency: 16 }, stepMs);
    const decodeOnlyMs = (IMAGES / train.concurrency16!) * 1000;
    const stepsMs = (IMAGES / BATCH) * stepMs;
    const epochMs = (IMAGES / withSteps) * 1000;
    writeResult('datasets-jpeg', {
      images: IMAGES,
      imageSize: '500x375 JPEG q90',
      outputSize: 224,
      batchSize: BATCH,
      cpus: availableParallelism(),
      loadAverageAtEnd: +loadavg()[0]!.toFixed(1), // other processes on the machine; > cpus means shared cores
      sharpThreadsPerImage: sharp.concurrency(),
      generateSeconds: +(generateMs / 1000).toFixed(1),
      trainImagesPerSecond: train,
      evalImagesPerSecond: evaluation,
      trainLight1ImagesPerSecond: trainLight1,
      overlap: {
        stepMsPerBatch: stepMs,
        epochMs: Math.round(epochMs),
        serialMs: Math.round(decodeOnlyMs + stepsMs),
        idealMs: Math.round(Math.max(decodeOnlyMs, stepsMs)),
      },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('jpeg.ts')) await run();
