import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ImageLoader, scanClassFolders, SeededRandom, type LoaderOptions } from '../src/index.js';
const dir = mkdtempSync(join(tmpdir(), 'pipe-'));
const N = 96;
for (let i = 0; i < N; i++) {
  const rng = new SeededRandom(i);
  const [w, h] = [500, 375];
  const px = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) px[(y * w + x) * 3 + c] = 128 + 60 * Math.sin(0.02 * x * (c + 1) + i) + 40 * Math.cos(0.03 * y) + rng.int(16) - 8;
  mkdirSync(join(dir, `n0${i % 4}`), { recursive: true });
  await sharp(px, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 }).toFile(join(dir, `n0${i % 4}`, `i${i}.JPEG`));
}
const set = await scanClassFolders(dir);
const base: LoaderOptions = { batchSize: 32, size: 224, seed: 1, train: true, concurrency: 4 };
const light1: LoaderOptions = { ...base, scale: [0.05, 1], randAugment: { layers: 2, magnitude: 10 }, mixup: { concentration: 0.2, size: 2 } };
const cpu: Record<string, number[]> = { plain: [], light1: [] };
const epoch = async (o: LoaderOptions) => { const l = new ImageLoader(set, o); const c = process.cpuUsage(); const t = performance.now(); for await (const _ of l.epoch()); const u = process.cpuUsage(c); cpu[o.mixup ? 'light1' : 'plain']!.push(+((u.user + u.system) / 1000 / N).toFixed(1)); return (N / (performance.now() - t)) * 1000; };
await epoch(base); await epoch(light1);
const r: Record<string, number[]> = { plain: [], light1: [] };
for (let k = 0; k < 3; k++) { r.plain!.push(await epoch(base)); r.light1!.push(await epoch(light1)); }
const med = (a: number[]) => [...a].sort((x, y) => x - y)[1]!;
console.log(JSON.stringify({ images: N, concurrency: 4, plainImgPerS: r.plain!.map(Math.round), light1ImgPerS: r.light1!.map(Math.round), medianRatio: +(med(r.light1!) / med(r.plain!)).toFixed(2), cpuMsPerImage: cpu }));
