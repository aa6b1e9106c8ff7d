/**
 * The comparison's outputs a person reads: a PPL table (mean ± std over seeds), loss-curve SVGs and `report.md`.
 * @module
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VariantResult } from '../training/compare.js';
import { groupedBars, linePlot } from './svg.js';
import { formatMeanStd, markdownTable } from './table.js';

/** Paths of what {@link writeCompareReport} wrote. */
export interface CompareReportFiles {
  report: string;
  lossPlot: string;
  validPlot: string;
  json: string;
  /** One expert-load chart per variant (its first seed), `expert-load-<variant>.svg`. */
  loadPlots: string[];
}

const COLUMNS = [
  ['valid', 'valid PPL'],
  ['test', 'test PPL'],
  ['validAttacked', 'attacked valid PPL'],
  ['testAttacked', 'attacked test PPL'],
] as const;

/** The PPL table, one row per variant (mean ± std over seeds). */
export function pplTable(results: VariantResult[]): string {
  const variants = [...new Set(results.map((r) => r.variant))];
  const cols = COLUMNS.filter(([k]) => results.some((r) => r.ppl[k] !== undefined));
  const rows = variants.map((v) => {
    const rs = results.filter((r) => r.variant === v);
    return [
      v,
      ...cols.map(([k]) => formatMeanStd(rs.map((r) => r.ppl[k]!))),
      formatMeanStd(
        rs.map((r) => r.tokensPerSecond),
        0,
      ),
    ];
  });
  return markdownTable(['variant', ...cols.map(([, label]) => label), 'train tok/s'], rows);
}

function smooth(values: number[], window: number): [number, number][] {
  const out: [number, number][] = [];
  let sum = 0;
  values.forEach((v, i) => {
    sum += v - (i >= window ? values[i - window]! : 0);
    out.push([i + 1, sum / Math.min(i + 1, window)]);
  });
  return out;
}

/** Writes `report.md`, `loss.svg`, `valid-ppl.svg` and `results.json` into `outDir`. */
export function writeCompareReport(
  outDir: string,
  results: VariantResult[],
  context: Record<string, string>,
): CompareReportFiles {
  const files = {
    report: join(outDir, 'report.md'),
    lossPlot: join(outDir, 'loss.svg'),
    validPlot: join(outDir, 'valid-ppl.svg'),
    json: join(outDir, 'results.json'),
    loadPlots: [] as string[],
  };
  for (const variant of new Set(results.map((r) => r.variant))) {
    const r = results.find((x) => x.variant === variant)!;
    if (r.layers.length === 0) continue;
    const experts = r.layers[0]!.tokensPerExpert.length;
    const file = join(outDir, `expert-load-${variant}.svg`);
    const chart = groupedBars(
      `${variant}: tokens per expert ` +
        `(last logged step; state RMS ${r.layers.map((l) => l.stateNorm.toFixed(2)).join(', ')})`,
      'MoE layer',
      'assignments',
      r.layers.map((l) => `layer ${l.layer}`),
      Array.from({ length: experts }, (_, e) => `expert ${e}`),
      r.layers.map((l) => l.tokensPerExpert),
    );
    writeFileSync(file, chart);
    files.loadPlots.push(file);
  }
  const window = Math.max(1, Math.round((results[0]?.trainLoss.length ?? 1) / 50));
  const series = results.map((r) => ({ name: `${r.variant} s${r.seed}`, points: smooth(r.trainLoss, window) }));
  writeFileSync(files.lossPlot, linePlot(`training NLL (moving average of ${window})`, 'step', 'NLL (nats)', series));
  writeFileSync(
    files.validPlot,
    linePlot(
      'validation perplexity',
      'step',
      'PPL',
      results.map((r) => ({
        name: `${r.variant} s${r.seed}`,
        points: r.valid.map((v) => [v.step, v.ppl] as [number, number]),
      })),
    ),
  );
  writeFileSync(
    files.json,
    JSON.stringify(
      results.map(({ trainLoss, ...rest }) => ({ ...rest, finalTrainLoss: trainLoss.at(-1) })),
      null,
      2,
    ) + '\n',
  );
  const md = [
    '# msmoe comparison',
    '',
    ...Object.entries(context).map(([k, v]) => `- ${k}: ${v}`),
    '',
    pplTable(results),
    '',
    '![training loss](loss.svg)',
    '',
    '![validation perplexity](valid-ppl.svg)',
    '',
    ...files.loadPlots.map((f) => `![expert load](${f.slice(outDir.length + 1)})\n`),
  ].join('\n');
  writeFileSync(files.report, md);
  return files;
}
