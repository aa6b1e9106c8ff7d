/**
 * A one-line progress bar with loss, tokens/s and ETA. On a terminal it redraws in place; otherwise (CI, files) it
 * prints a plain line at most every `plainEveryMs`.
 * @module
 */

/** Formats seconds as `1h02m`, `3m05s` or `12s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** Progress of a run of `total` steps. */
export class ProgressBar {
  private readonly start = performance.now();
  private lastPlain = 0;
  /** A terminal line is drawn and not yet ended: anything else printed now would continue it. */
  private lineOpen = false;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly plainEveryMs = 10_000,
  ) {}

  /** Redraws for `done` steps with the given readings (e.g. `{ loss: '4.21', 'tok/s': '2,310' }`). */
  update(done: number, fields: Record<string, string>): void {
    const elapsed = (performance.now() - this.start) / 1000;
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : NaN;
    const frac = Math.min(1, done / Math.max(1, this.total));
    const info = Object.entries(fields)
      .map(([k, v]) => `${k} ${v}`)
      .join('  ');
    if (this.stream.isTTY) {
      const width = 24;
      const bar = '█'.repeat(Math.round(frac * width)).padEnd(width, '░');
      this.stream.write(`\r${this.label} ${bar} ${done}/${this.total}  ${info}  ETA ${formatDuration(eta)}\x1b[K`);
      this.lineOpen = true;
    } else if (performance.now() - this.lastPlain >= this.plainEveryMs || done === this.total) {
      this.lastPlain = performance.now();
      this.stream.write(
        `${this.label} ${done}/${this.total} (${(frac * 100).toFixed(0)}%)  ${info}  ETA ${formatDuration(eta)}\n`,
      );
    }
  }

  /**
   * Ends the drawn line, so that what is printed next (a warning, an error, the result) starts on a line of its
   * own. Safe to call more than once; the next {@link update} draws a new line.
   */
  finish(): void {
    if (this.lineOpen) this.stream.write('\n');
    this.lineOpen = false;
  }
}
