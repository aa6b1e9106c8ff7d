/**
 * Checkpoint writes that survive a full disk: a write that fails with a file-system error (ENOSPC, EIO, …) keeps the
 * checkpoint's contents in memory, says so, and the run goes on; the next write of that file, or {@link
 * CheckpointWriter.flush} at the end of the run, tries again.
 * @module
 */
import { saveCheckpoint, type Checkpoint } from './checkpoint.js';
import { errnoReason } from './run-folder.js';

/** Writes checkpoints, keeping those that could not be written for a retry. */
export class CheckpointWriter<S> {
  private readonly unsaved = new Map<string, Checkpoint<S>>();

  /** Writes `ckpt` to `file`; on a file-system error warns, keeps it and returns false. Other errors are thrown. */
  async save(file: string, ckpt: Checkpoint<S>): Promise<boolean> {
    try {
      await saveCheckpoint(file, ckpt);
      this.unsaved.delete(file);
      return true;
    } catch (e) {
      if (typeof (e as NodeJS.ErrnoException).code !== 'string') throw e;
      this.unsaved.set(file, ckpt);
      const reason = errnoReason(e) ?? (e as Error).message;
      console.warn(
        `warning: could not write ${file}: ${reason}; training goes on with its state in memory and writes it again ` +
          'at the next checkpoint',
      );
      return false;
    }
  }

  /** Files whose latest checkpoint is not on disk yet. */
  get pending(): string[] {
    return [...this.unsaved.keys()];
  }

  /** Retries every checkpoint not yet written (end of a run); a write that still fails throws its error. */
  async flush(): Promise<void> {
    for (const [file, ckpt] of [...this.unsaved]) {
      await saveCheckpoint(file, ckpt);
      this.unsaved.delete(file);
    }
  }
}
