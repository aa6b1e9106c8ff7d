/**
 * `metrics.jsonl`: one JSON object per line, appended as training goes (a crash loses at most the line being written).
 * On resume the file is cut back to the resumed step so the log has no duplicated steps.
 * @module
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { makeDirectory } from '@momentum-smoe/core';

/** One record: `step` and `kind` (train, eval, …) plus any readings. */
export interface MetricsRecord {
  step: number;
  kind: string;
  [reading: string]: unknown;
}

/** Appends records to a JSONL file. */
export class MetricsLog {
  /** Creates the folder of `file` if needed. */
  constructor(readonly file: string) {
    makeDirectory(dirname(file));
  }

  /** Appends one record. */
  write(record: MetricsRecord): void {
    appendFileSync(this.file, JSON.stringify(record) + '\n');
  }

  /** Every record in the file (a torn last line, from a crash, is ignored). */
  read(): MetricsRecord[] {
    if (!existsSync(this.file)) return [];
    const out: MetricsRecord[] = [];
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line) as MetricsRecord);
      } catch {
        break;
      }
    }
    return out;
  }

  /** Keeps only the records up to and including `step` (used when resuming from a checkpoint at `step`). */
  truncateAfter(step: number): void {
    const kept = this.read().filter((r) => r.step <= step);
    writeFileSync(this.file, kept.map((r) => JSON.stringify(r) + '\n').join(''));
  }
}
