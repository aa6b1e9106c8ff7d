/**
 * Where `--resume` continues a run: the newest checkpoint in its folder that loads and verifies. A resume never
 * starts a run that has left anything behind from step 0: with no valid checkpoint it stops and says what exists.
 * @module
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../args.js';
import { MetricsLog } from '../report/metrics-log.js';
import { loadCheckpoint, type Checkpoint } from './checkpoint.js';
import { BEST_CHECKPOINT, LAST_CHECKPOINT } from './run-options.js';

/** A checkpoint to continue from. */
export interface ResumePoint<S> {
  file: string;
  ckpt: Checkpoint<S>;
}

const stepOf = (ckpt: Checkpoint<unknown>) => (ckpt.state as { step?: number }).step ?? 0;

/**
 * The newest valid checkpoint in `outDir` (`last.safetensors`, else `best.safetensors`, which holds the same full
 * training state at an earlier step), or `null` when the folder holds nothing of a run yet (the run starts at step 0).
 * Falling back from a missing or corrupt `last.safetensors` is said on stderr.
 * @throws UsageError when the folder holds a run (a log or a checkpoint) but no valid checkpoint: what exists and
 * what to do, with nothing changed.
 */
export async function findResumePoint<S>(outDir: string): Promise<ResumePoint<S> | null> {
  const problems: string[] = [];
  let newest: ResumePoint<S> | null = null;
  for (const name of [LAST_CHECKPOINT, BEST_CHECKPOINT]) {
    const file = join(outDir, name);
    if (!existsSync(file)) {
      problems.push(`${name} is missing`);
      continue;
    }
    try {
      const ckpt = await loadCheckpoint<S>(file);
      if (newest === null || stepOf(ckpt) > stepOf(newest.ckpt)) newest = { file, ckpt };
    } catch (e) {
      problems.push(`${name} cannot be used (${(e as Error).message.replace(`${file}: `, '')})`);
    }
  }
  const logged = new MetricsLog(join(outDir, 'metrics.jsonl')).read().filter((r) => r.kind === 'train').length;
  if (newest !== null) {
    if (!newest.file.endsWith(LAST_CHECKPOINT)) {
      const at = `step ${stepOf(newest.ckpt)} of the ${logged} logged`;
      console.error(`resume: ${problems.join('; ')}; continuing from ${newest.file} (${at})`);
    }
    return newest;
  }
  if (logged === 0 && problems.every((p) => p.endsWith('is missing'))) return null;
  throw new UsageError(
    `msmoe: cannot resume ${outDir}: no valid checkpoint (${problems.join('; ')})` +
      `${logged ? `, and metrics.jsonl logs ${logged} steps that were not checkpointed` : ''}. Nothing was changed. ` +
      'Restore a checkpoint from a backup, or to train this run again from step 0 move its metrics.jsonl and ' +
      'checkpoints elsewhere and resume again',
  );
}
