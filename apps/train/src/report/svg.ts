/**
 * Dependency-free SVG charts for reports: line plots (loss curves) and grouped bars (expert load per layer).
 * @module
 */

/** One line of a line plot. */
export interface Series {
  name: string;
  points: [number, number][];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
const W = 640;
const H = 360;
const PAD = { l: 60, r: 150, t: 30, b: 45 };
/** Series with at most this many points are drawn with a marker at each point. */
const MARKERS_UP_TO = 30;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function ticks(lo: number, hi: number, n = 5): number[] {
  if (hi <= lo) return [lo];
  const step = 10 ** Math.floor(Math.log10((hi - lo) / n));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => (hi - lo) / s <= n) ?? step * 10;
  const out: number[] = [];
  for (let v = Math.ceil(lo / nice) * nice; v <= hi + 1e-12; v += nice) out.push(Number(v.toPrecision(6)));
  return out;
}

function frame(title: string, xLabel: string, yLabel: string, body: string, legend: string[]): string {
  const items = legend
    .map(
      (n, i) =>
        `<rect x="${W - PAD.r + 12}" y="${PAD.t + 18 * i}" width="12" height="12" ` +
        `fill="${COLORS[i % COLORS.length]}"/>` +
        `<text x="${W - PAD.r + 30}" y="${PAD.t + 18 * i + 10}" font-size="12">${esc(n)}</text>`,
    )
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">` +
    `<rect width="${W}" height="${H}" fill="white"/>` +
    `<text x="${(W - PAD.r + PAD.l) / 2}" y="18" font-size="14" text-anchor="middle">${esc(title)}</text>` +
    `<text x="${(W - PAD.r + PAD.l) / 2}" y="${H - 8}" font-size="12" text-anchor="middle">${esc(xLabel)}</text>` +
    `<text x="14" y="${H / 2}" font-size="12" text-anchor="middle" ` +
    `transform="rotate(-90 14 ${H / 2})">${esc(yLabel)}</text>` +
    body +
    items +
    '</svg>\n'
  );
}

/** A line plot of several series on shared axes. */
export function linePlot(title: string, xLabel: string, yLabel: string, series: Series[]): string {
  const pts = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const [x0, x1] = pts.length ? [Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0]))] : [0, 1];
  const [y0, y1] = pts.length ? [Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1]))] : [0, 1];
  const sx = (x: number) => PAD.l + ((x - x0) / (x1 - x0 || 1)) * (W - PAD.l - PAD.r);
  const sy = (y: number) => H - PAD.b - ((y - y0) / (y1 - y0 || 1)) * (H - PAD.t - PAD.b);
  let body =
    `<line x1="${PAD.l}" y1="${H - PAD.b}" x2="${W - PAD.r}" y2="${H - PAD.b}" stroke="black"/>` +
    `<line x1="${PAD.l}" y1="${PAD.t}" x2="${PAD.l}" y2="${H - PAD.b}" stroke="black"/>`;
  for (const t of ticks(x0, x1))
    body += `<text x="${sx(t)}" y="${H - PAD.b + 16}" font-size="11" text-anchor="middle">${t}</text>`;
  for (const t of ticks(y0, y1)) {
    body +=
      `<line x1="${PAD.l}" y1="${sy(t)}" x2="${W - PAD.r}" y2="${sy(t)}" stroke="#eee"/>` +
      `<text x="${PAD.l - 6}" y="${sy(t) + 4}" font-size="11" text-anchor="end">${t}</text>`;
  }
  series.forEach((s, i) => {
    const d = s.points
      .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y))
      .map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`)
      .join(' ');
    body += `<polyline fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.5" points="${d}"/>`;
    // A line needs two points to show; sparse series (e.g. one validation per run) get a marker per point.
    if (s.points.length <= MARKERS_UP_TO) {
      for (const [x, y] of s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y))) {
        const fill = COLORS[i % COLORS.length];
        body += `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3.5" fill="${fill}"/>`;
      }
    }
  });
  return frame(
    title,
    xLabel,
    yLabel,
    body,
    series.map((s) => s.name),
  );
}

/** Grouped bars: one group per category (e.g. layer), one bar per member (e.g. expert) with `values[group][member]`. */
export function groupedBars(
  title: string,
  xLabel: string,
  yLabel: string,
  groups: string[],
  members: string[],
  values: number[][],
): string {
  const max = Math.max(1e-12, ...values.flat());
  const gw = (W - PAD.l - PAD.r) / Math.max(1, groups.length);
  const bw = (gw * 0.8) / Math.max(1, members.length);
  const sy = (y: number) => H - PAD.b - (y / max) * (H - PAD.t - PAD.b);
  let body = `<line x1="${PAD.l}" y1="${H - PAD.b}" x2="${W - PAD.r}" y2="${H - PAD.b}" stroke="black"/>`;
  for (const t of ticks(0, max))
    body += `<text x="${PAD.l - 6}" y="${sy(t) + 4}" font-size="11" text-anchor="end">${t}</text>`;
  groups.forEach((g, gi) => {
    body +=
      `<text x="${PAD.l + gw * (gi + 0.5)}" y="${H - PAD.b + 16}" font-size="11" text-anchor="middle">` +
      `${esc(g)}</text>`;
    members.forEach((_, mi) => {
      const v = values[gi]?.[mi] ?? 0;
      body +=
        `<rect x="${(PAD.l + gw * gi + gw * 0.1 + bw * mi).toFixed(1)}" y="${sy(v).toFixed(1)}" ` +
        `width="${bw.toFixed(1)}" height="${(H - PAD.b - sy(v)).toFixed(1)}" fill="${COLORS[mi % COLORS.length]}"/>`;
    });
  });
  return frame(title, xLabel, yLabel, body, members.length <= 8 ? members : []);
}
