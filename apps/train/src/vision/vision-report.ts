/**
 * The vision comparison's outputs a person reads, like the language comparison's: a table (clean top-1/top-5,
 * corrupted top-1, mCE; mean ± std over seeds), training-loss and held-out top-1 curves, corrupted top-1 by
 * corruption and severity, tokens per expert per MoE block, `report.md` and `results.json`.
 * @module
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { groupedBars, linePlot } from '../report/svg.js';
import { formatMeanStd, markdownTable } from '../report/table.js';
import type { VisionVariantResult } from './compare-vision.js';

/** Mean corrupted top-1 of a result over every corruption and severity, in percent (NaN without robustness). */
export function corruptedTop1(r: VisionVariantResult): number {
  const all = Object.values(r.robustness?.top1 ?? {}).flat();
  return all.length ? (100 * all.reduce((a, b) => a + b, 0)) / all.length : NaN;
}

/**
 * The comparison table: top-1 and top-5 clean, mean corrupted top-1, mCE, training steps, wall-clock minutes and
 * images/s (mean ± std over seeds).
 */
export function visionTable(results: VisionVariantResult[]): string {
  const variants = [...new Set(results.map((r) => r.variant))];
  const rows = variants.map((v) => {
    const rs = results.filter((r) => r.variant === v);
    return [
      v,
      formatMeanStd(rs.map((r) => 100 * r.clean.top1)),
      formatMeanStd(rs.map((r) => 100 * r.clean.top5)),
      formatMeanStd(rs.map(corruptedTop1)),
      formatMeanStd(rs.map((r) => r.robustness?.mCE ?? NaN)),
      formatMeanStd(
        rs.map((r) => r.trainLoss.length),
        0,
      ),
      formatMeanStd(
        rs.map((r) => r.trainSeconds / 60),
        1,
      ),
      formatMeanStd(
        rs.map((r) => r.imagesPerSecond),
        0,
      ),
    ];
  });
  const header = ['variant', 'top-1 %', 'top-5 %', 'corrupted top-1 %', 'mCE', 'steps', 'train min', 'train img/s'];
  return markdownTable(header, rows);
}

/** Paths of what {@link writeVisionReport} wrote. */
export interface VisionReportFiles {
  /** `report.md`. */
  report: string;
  /** `results.json` (per run, without the per-step loss). */
  json: string;
  /** Every SVG, relative to the output folder. */
  plots: string[];
}

/** A moving average of `values` as (step, value) points. */
function smooth(values: number[], window: number): [number, number][] {
  let sum = 0;
  return values.map((v, i) => {
    sum += v - (i >= window ? values[i - window]! : 0);
    return [i + 1, sum / Math.min(i + 1, window)];
  });
}

/** The last logged tokens-per-expert of each MoE block in a run's `metrics.jsonl` (empty when none). */
function lastExpertLoad(runDir: string): { block: number; tokensPerExpert: number[] }[] {
  const file = join(runDir, 'metrics.jsonl');
  if (!existsSync(file)) return [];
  type Row = { moe?: { block: number; tokensPerExpert: number[] }[] };
  const rows = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Row);
  return rows.filter((r) => r.moe).at(-1)?.moe ?? [];
}

/**
 * Writes `report.md`, `results.json`, `loss.svg`, `top1.svg`, `corrupted.svg` (MNIST) and
 * `expert-load-<variant>.svg` (first seed, from its run folder `outDir/<variant>/seed-<s>`) into `outDir`.
 */
export function writeVisionReport(
  outDir: string,
  results: VisionVariantResult[],
  context: Record<string, string>,
): VisionReportFiles {
  const plots: string[] = [];
  const plot = (name: string, svg: string) => {
    writeFileSync(join(outDir, name), svg);
    plots.push(name);
  };
  const label = (r: VisionVariantResult) => `${r.variant} s${r.seed}`;
  const window = Math.max(1, Math.round((results[0]?.trainLoss.length ?? 1) / 50));
  const losses = results.map((r) => ({ name: label(r), points: smooth(r.trainLoss, window) }));
  plot(
    'loss.svg',
    linePlot(`training loss (moving average of ${window})`, 'step', 'sigmoid cross-entropy + aux', losses),
  );
  const top1 = results.map((r) => ({
    name: label(r),
    points: r.evals.map((e) => [e.step, 100 * e.top1] as [number, number]),
  }));
  plot('top1.svg', linePlot('held-out top-1', 'step', 'top-1 %', top1));
  const robust = results.filter((r) => r.robustness);
  if (robust.length) {
    const corruptions = Object.keys(robust[0]!.robustness!.top1);
    const groups = corruptions.flatMap((c) => [1, 2, 3, 4, 5].map((s) => `${c.replace('_', ' ')} ${s}`));
    const variants = [...new Set(robust.map((r) => r.variant))];
    const mean = (v: string, c: string, s: number) => {
      const rs = robust.filter((r) => r.variant === v);
      return (100 * rs.reduce((a, r) => a + r.robustness!.top1[c]![s]!, 0)) / rs.length;
    };
    const values = corruptions.flatMap((c) => [0, 1, 2, 3, 4].map((s) => variants.map((v) => mean(v, c, s))));
    const title = 'corrupted top-1 by corruption and severity (mean over seeds)';
    plot('corrupted.svg', groupedBars(title, 'corruption, severity', 'top-1 %', groups, variants, values));
  }
  for (const variant of new Set(results.map((r) => r.variant))) {
    const first = results.find((r) => r.variant === variant)!;
    const load = lastExpertLoad(join(outDir, variant, `seed-${first.seed}`));
    if (load.length === 0) continue;
    const experts = load[0]!.tokensPerExpert.length;
    const members = Array.from({ length: experts }, (_, e) => `expert ${e}`);
    const blocks = load.map((b) => `block ${b.block}`);
    const title = `${variant}: tokens per expert (last logged step)`;
    plot(
      `expert-load-${variant}.svg`,
      groupedBars(
        title,
        'MoE block',
        'tokens',
        blocks,
        members,
        load.map((b) => b.tokensPerExpert),
      ),
    );
  }
  const json = join(outDir, 'results.json');
  const summary = results.map(({ trainLoss, ...r }) => ({ ...r, finalTrainLoss: trainLoss.at(-1) }));
  writeFileSync(json, JSON.stringify(summary, null, 2) + '\n');
  const md = [
    '# msmoe vision comparison',
    '',
    ...Object.entries(context).map(([k, v]) => `- ${k}: ${v}`),
    '',
    visionTable(results),
    '',
    ...plots.map((p) => `![${p.replace('.svg', '')}](${p})\n`),
  ].join('\n');
  const report = join(outDir, 'report.md');
  writeFileSync(report, md);
  return { report, json, plots };
}
