/**
 * Training checkpoints: one safetensors file with the model's parameters (`model/<name>`), the optimiser's moments
 * (`optim/<name>.exp_avg`, …) and, in the header metadata, the JSON training state (step, data position, random
 * state, config) and a SHA-256 over every tensor's bytes. Written atomically; verified on load.
 * @module
 */
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import {
  FileFormatError,
  readSafetensors,
  removeStaleTempFiles,
  writeSafetensors,
  type TensorData,
} from '@momentum-smoe/core';

/** What a checkpoint holds: parameters, optimiser moments, non-parameter tensors (e.g. the attention cache), state. */
export interface Checkpoint<S> {
  model: Map<string, TensorData>;
  optimizer: Map<string, TensorData>;
  buffers: Map<string, TensorData>;
  state: S;
}

const PREFIXES = ['model', 'optim', 'buffer'] as const;

function digest(tensors: Map<string, TensorData>): string {
  const h = createHash('sha256');
  for (const [name, t] of tensors) {
    h.update(name);
    h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return h.digest('hex');
}

/**
 * Writes a checkpoint atomically (a crash mid-write leaves the previous file intact). Temporary files that killed
 * writes left beside it are removed first, so they do not pile up across interruptions.
 */
export async function saveCheckpoint<S>(file: string, ckpt: Checkpoint<S>): Promise<void> {
  removeStaleTempFiles(dirname(file));
  const all = new Map<string, TensorData>();
  [ckpt.model, ckpt.optimizer, ckpt.buffers].forEach((group, i) => {
    for (const [k, t] of group) all.set(`${PREFIXES[i]}/${k}`, t);
  });
  await writeSafetensors(file, all, {
    format: 'msmoe-checkpoint-1',
    state: JSON.stringify(ckpt.state),
    sha256: digest(all),
  });
}

/**
 * Reads and verifies a checkpoint.
 * @throws {@link @momentum-smoe/core!FileFormatError} when the file is missing, truncated, not a checkpoint, or fails
 * its checksum.
 */
export async function loadCheckpoint<S>(file: string): Promise<Checkpoint<S>> {
  const { tensors, metadata } = await readSafetensors(file);
  if (metadata.format !== 'msmoe-checkpoint-1' || metadata.state === undefined) {
    throw new FileFormatError(file, 'not an msmoe checkpoint (no msmoe-checkpoint-1 metadata)');
  }
  if (digest(tensors) !== metadata.sha256)
    throw new FileFormatError(file, 'checksum mismatch: the checkpoint is corrupt');
  const groups = PREFIXES.map(() => new Map<string, TensorData>());
  for (const [k, t] of tensors) {
    const slash = k.indexOf('/');
    const group = PREFIXES.indexOf(k.slice(0, slash) as (typeof PREFIXES)[number]);
    if (group < 0)
      throw new FileFormatError(file, `unexpected tensor '${k}' (expected model/, optim/ or buffer/ names)`);
    groups[group]!.set(k.slice(slash + 1), t);
  }
  const [model, optimizer, buffers] = groups as [
    Map<string, TensorData>,
    Map<string, TensorData>,
    Map<string, TensorData>,
  ];
  return { model, optimizer, buffers, state: JSON.parse(metadata.state) as S };
}
