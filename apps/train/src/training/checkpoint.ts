/**
 * Training checkpoints: one safetensors file with the model's parameters (`model/<name>`), the optimiser's moments
 * (`optim/<name>.exp_avg`, …) and, in the header metadata, the JSON training state (step, data position, random
 * state, config) and a SHA-256 over every tensor's bytes. Written atomically; verified on load.
 * @module
 */
import { createHash } from 'node:crypto';
import { FileFormatError, readSafetensors, writeSafetensors, type TensorData } from '@momentum-smoe/core';

/** What a checkpoint holds. */
export interface Checkpoint<S> {
  model: Map<string, TensorData>;
  optimizer: Map<string, TensorData>;
  state: S;
}

function digest(tensors: Map<string, TensorData>): string {
  const h = createHash('sha256');
  for (const [name, t] of tensors) {
    h.update(name);
    h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return h.digest('hex');
}

/** Writes a checkpoint atomically (a crash mid-write leaves the previous file intact). */
export async function saveCheckpoint<S>(file: string, ckpt: Checkpoint<S>): Promise<void> {
  const all = new Map<string, TensorData>();
  for (const [k, t] of ckpt.model) all.set(`model/${k}`, t);
  for (const [k, t] of ckpt.optimizer) all.set(`optim/${k}`, t);
  await writeSafetensors(file, all, { format: 'msmoe-checkpoint-1', state: JSON.stringify(ckpt.state), sha256: digest(all) });
}

/**
 * Reads and verifies a checkpoint.
 * @throws {@link FileFormatError} when the file is missing, truncated, not a checkpoint, or fails its checksum.
 */
export async function loadCheckpoint<S>(file: string): Promise<Checkpoint<S>> {
  const { tensors, metadata } = await readSafetensors(file);
  if (metadata.format !== 'msmoe-checkpoint-1' || metadata.state === undefined) {
    throw new FileFormatError(file, 'not an msmoe checkpoint (no msmoe-checkpoint-1 metadata)');
  }
  if (digest(tensors) !== metadata.sha256) throw new FileFormatError(file, 'checksum mismatch: the checkpoint is corrupt');
  const model = new Map<string, TensorData>();
  const optimizer = new Map<string, TensorData>();
  for (const [k, t] of tensors) {
    if (k.startsWith('model/')) model.set(k.slice(6), t);
    else if (k.startsWith('optim/')) optimizer.set(k.slice(6), t);
  }
  return { model, optimizer, state: JSON.parse(metadata.state) as S };
}
