import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SmoeLanguageModel, validateLmConfig } from '@momentum-smoe/models';
import { UsageError } from '../src/args.js';
import { parallelPlan, pinGpu } from '../src/training/dp-launch.js';
import { cli } from './cli-helper.js';
import { TINY_CONFIG, writeCorpus } from './tiny-run.js';
import type { MetricsRecord } from '../src/report/metrics-log.js';

const tiny = { ...TINY_CONFIG, dropout: 0, vocab: 50 };

describe('launch plans', () => {
  // Rank 3 of 4, the second rank on its node, as Open MPI's mpirun describes it.
  const mpirun = {
    OMPI_COMM_WORLD_RANK: '3',
    OMPI_COMM_WORLD_SIZE: '4',
    OMPI_COMM_WORLD_LOCAL_RANK: '1',
    OMPI_COMM_WORLD_LOCAL_SIZE: '2',
  };

  it('under mpirun each process is one rank and takes the GPU of its local rank', () => {
    const plan = parallelPlan('train', undefined, mpirun);
    expect(plan).toEqual({ mode: 'mpi', launcher: { kind: 'openmpi', rank: 3, size: 4, localRank: 1, localSize: 2 } });
    const env: NodeJS.ProcessEnv = {};
    pinGpu(plan, env);
    expect(env['CUDA_VISIBLE_DEVICES']).toBe('1');
    // A node whose GPUs were already narrowed: the local rank indexes that list.
    const narrowed: NodeJS.ProcessEnv = { CUDA_VISIBLE_DEVICES: '4,5' };
    pinGpu(plan, narrowed);
    expect(narrowed['CUDA_VISIBLE_DEVICES']).toBe('5');
  });

  it('--workers picks worker threads, refuses to run under mpirun, and leaves the GPUs alone', () => {
    expect(parallelPlan('train', '3', {})).toEqual({ mode: 'workers', size: 3 });
    expect(parallelPlan('train', '1', {})).toEqual({ mode: 'single' });
    const env: NodeJS.ProcessEnv = {};
    pinGpu(parallelPlan('train', '3', {}), env);
    expect(env['CUDA_VISIBLE_DEVICES']).toBeUndefined();
    expect(() => parallelPlan('train', '2', mpirun)).toThrow(UsageError);
    expect(() => parallelPlan('train', '2', mpirun)).toThrow(/each MPI rank is already one worker; drop --workers/);
  });
});

describe('msmoe --workers', () => {
  it.each([
    [
      ['train', '--preset', 'smoe-tiny', '--corpus', 'sotu', '--batch', '6', '--workers', '4'],
      /--batch 6 does not split over 4 ranks; use a multiple of 4/,
    ],
    [
      ['train', '--preset', 'smoe-tiny', '--corpus', 'sotu', '--batch', '8', '--batch-split', '4', '--workers', '4'],
      /gives 2 per rank, not divisible by --batch-split 4/,
    ],
    [
      ['train', '--preset', 'vmoe-mnist', '--corpus', 'mnist', '--batch', '10', '--workers', '4'],
      /--batch 10 does not split over 4 ranks/,
    ],
    [
      ['bench', 'train-step', '--preset', 'smoe-tiny', '--batch', '8', '--workers', 'two'],
      /--workers must be an integer ≥ 1 or 'auto', got 'two'/,
    ],
    [
      ['bench', 'train-step', '--preset', 'smoe-tiny', '--batch', '8', '--paired'],
      /--paired compares ranks with one worker; add --workers 2/,
    ],
  ])('msmoe %j is a one-line usage error', async (argv, message) => {
    const r = await cli(...(argv as string[]));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('train, bench and compare run on 2 workers: one run folder, the all-reduce readings, one report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'workers-'));
    writeCorpus(dir, 4, 300);
    writeFileSync(join(dir, 'model.json'), JSON.stringify(tiny));
    const out = join(dir, 'run');
    const t = await cli(
      'train',
      '--config',
      join(dir, 'model.json'),
      '--data',
      dir,
      '--steps',
      '3',
      '--batch',
      '4',
      '--eval-every',
      '3',
      '--out',
      out,
      '--workers',
      '2',
      '--backend',
      'wasm',
    );
    expect(t.code, t.err).toBe(0);
    expect(t.out).toMatch(/best valid PPL \d+\.\d\d/);
    const log = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as MetricsRecord);
    expect(log.map((r) => `${r.kind} ${r.step}`)).toEqual(['train 1', 'train 2', 'train 3', 'valid 3']);
    const b = await cli(
      'bench',
      'train-step',
      '--config',
      join(dir, 'model.json'),
      '--batch',
      '4',
      '--reps',
      '3',
      '--warmup',
      '1',
      '--workers',
      '2',
      '--backend',
      'wasm',
      '--paired',
      '--json',
    );
    expect(b.code, b.err).toBe(0);
    const j = JSON.parse(b.out) as {
      tokens_per_s: number;
      step_ms: number;
      allreduce_ms: number;
      allreduce_share: number;
      workers: number;
      gradient_bytes: number;
      paired: Record<string, number>;
    };
    expect(j.workers).toBe(2);
    // --paired: one worker alone and two without the all-reduce, timed between the data-parallel steps
    expect(Object.keys(j.paired).sort()).toEqual(
      [
        'one_worker_tokens_per_s',
        'lockstep_tokens_per_s',
        'free_running_tokens_per_s',
        'speedup',
        'lockstep_speedup',
        'free_running_speedup',
      ].sort(),
    );
    for (const v of Object.values(j.paired)) expect(Number.isFinite(v) && v > 0, JSON.stringify(j.paired)).toBe(true);
    expect(j.tokens_per_s).toBeCloseTo((4 * 8) / (j.step_ms / 1000), 6);
    expect(j.allreduce_ms).toBeGreaterThan(0);
    expect(j.allreduce_share).toBeCloseTo(j.allreduce_ms / j.step_ms, 9);
    // Every parameter's float32 gradient goes into the all-reduce.
    const model = new SmoeLanguageModel(validateLmConfig(tiny));
    expect(j.gradient_bytes).toBe(4 * model.parameterCount());
    model.dispose();
    // The comparison trains (and evaluates) each variant on the same 2 workers; the report comes from rank 0.
    const c = await cli(
      'compare',
      '--variants',
      'smoe',
      '--seeds',
      '1',
      '--steps',
      '2',
      '--batch',
      '4',
      '--data',
      dir,
      '--out',
      join(dir, 'cmp'),
      '--workers',
      '2',
      '--backend',
      'wasm',
    );
    expect(c.code, c.err).toBe(0);
    expect(c.out).toMatch(/\| smoe-tiny +\| \d+\.\d\d/);
    expect(existsSync(join(dir, 'cmp', 'report.md'))).toBe(true);
  }, 300_000);
});
