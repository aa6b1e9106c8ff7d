/**
 * Interleaved A/B of the training step of this checkout against another checkout of the project (e.g. the commit
 * before a change), in one process: each repetition runs one step of each, so that machine load drifting over the run
 * affects both alike; prints medians and the paired ratio other/this (above 1: this checkout is faster).
 * Run: `BASE=/path/to/other/checkout CFG=small,mid REPS=12 node --conditions=@momentum-smoe/source --import tsx
 * bench/compare-trees.ts` from apps/train. The other checkout needs its packages' node_modules (a copy of this
 * checkout's, whose workspace links are relative); both share this process's tfjs and its kernel registry, in which
 * this checkout's kernels are the ones registered, so the other checkout's kernel calls must match their contracts.
 */
import { join } from 'node:path';
import { initBackend } from '@momentum-smoe/core';
import { interleavedTimes, median, pairedRatio } from '../../../bench/harness.js';
import { makeTrainStep, stepConfigs } from '../src/bench/train-step.js';

const base = process.env.BASE;
if (!base) throw new Error('compare-trees: set BASE to the other checkout (its root folder)');
type StepModule = typeof import('../src/bench/train-step.js');
const other = (await import(join(base, 'apps/train/src/bench/train-step.ts'))) as StepModule;
const report = await initBackend({ backend: 'wasm' });
const names = (process.env.CFG ?? 'small,mid').split(',');
for (const config of stepConfigs().filter((c) => names.includes(c.name))) {
  const runs = {
    other: other.makeTrainStep(config.model, config.batch),
    this: makeTrainStep(config.model, config.batch),
  };
  const times = await interleavedTimes(
    { other: () => runs.other.step(), this: () => runs.this.step() },
    { warmup: 2, reps: Number(process.env.REPS ?? 12) },
  );
  const [a, b] = [times.other!, times.this!];
  console.log(
    `${config.name} (${report.backend}): other ${median(a).toFixed(0)} ms/step, ` +
      `this ${median(b).toFixed(0)} ms/step, ` +
      `paired ratio other/this ${pairedRatio(a, b).toFixed(3)}`,
  );
  runs.other.dispose();
  runs.this.dispose();
}
