import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, readSafetensors, type TensorData } from '@momentum-smoe/core';
import { runWorkers } from '@momentum-smoe/distributed';
import { trainLm } from '../src/training/lm-trainer.js';
import { runParallelJob } from '../src/training/dp-launch.js';
import type { DpJob, DpJobResult } from '../src/training/dp-job.js';
import { SEED, lmJob, tinyRun, train, valid } from './fixtures/dp-lm.js';

const tmp = (tag: string) => mkdtempSync(join(tmpdir(), `dp-${tag}-`));
type LmResult = Extract<DpJobResult, { kind: 'lm' }>['result'];

async function onWorkers(size: number, job: DpJob, signal?: AbortSignal): Promise<LmResult> {
  return ((await runParallelJob({ mode: 'workers', size }, job, signal)) as Extract<DpJobResult, { kind: 'lm' }>)
    .result;
}

const weights = async (dir: string) => (await readSafetensors(join(dir, 'last.safetensors'))).tensors;

/** The largest absolute difference between two runs' checkpointed tensors (same names required). */
function worstDifference(a: Map<string, TensorData>, b: Map<string, TensorData>): number {
  expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
  let worst = 0;
  for (const [name, t] of a) {
    const u = b.get(name)!.data;
    t.data.forEach((x, i) => (worst = Math.max(worst, Math.abs(x - u[i]!))));
  }
  return worst;
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** The 2-worker momentum run, made once and compared with several others. */
const reference: { dir?: string; result?: LmResult } = {};

describe('data-parallel language-model training on worker threads', () => {
  // Momentum (sgsm: plain layer then MomentumSMoE layer) and Adam (sasa) architectures.
  it.each(['sgsm', 'sasa'])(
    '2 workers train like 1 process at the same global batch, over 10 steps (%s)',
    async (arch) => {
      const dirOne = tmp('one');
      const one = await trainLm(tinyRun(arch), train, valid, dirOne, { progressLabel: null });
      one.model.dispose();
      const dirTwo = tmp('two');
      const two = await onWorkers(2, lmJob(arch, dirTwo));
      if (arch === 'sgsm') Object.assign(reference, { dir: dirTwo, result: two });
      expect(two.trainLoss).toHaveLength(10);
      two.trainLoss.forEach((l, i) => expect(l, `step ${i + 1}, seed ${SEED}`).toBeCloseTo(one.trainLoss[i]!, 4));
      expect(two.valid.map((v) => v.step)).toEqual([5, 10]);
      two.valid.forEach((v, i) => expect(v.loss, `seed ${SEED}`).toBeCloseTo(one.valid[i]!.loss, 4));
      // Weights, Adam moments and the attention cache gathered from both ranks.
      expect(worstDifference(await weights(dirOne), await weights(dirTwo)), `seed ${SEED}`).toBeLessThan(2e-4);
    },
    180_000,
  );

  it('two runs on 2 workers are bit-identical', async () => {
    const dir = tmp('bits');
    const again = await onWorkers(2, lmJob('sgsm', dir));
    expect(again.trainLoss).toEqual(reference.result!.trainLoss);
    expect(worstDifference(await weights(reference.dir!), await weights(dir))).toBe(0);
  }, 180_000);

  it('an interrupt stops every rank after the same step with a checkpoint, which resumes on 1 process', async () => {
    const straight = await trainLm(tinyRun('sgsm'), train, valid, tmp('straight'), { progressLabel: null });
    straight.model.dispose();
    const dir = tmp('stop');
    const controller = new AbortController();
    controller.abort(); // Ctrl-C before the first step ends: every rank stops after step 1
    const stopped = await onWorkers(2, lmJob('sgsm', dir), controller.signal);
    expect(stopped.trainLoss).toHaveLength(1);
    // Resumed with another world size (the global batch of 8 streams divides 1 rank too).
    const resumed = await trainLm(tinyRun('sgsm'), train, valid, dir, { resume: true, progressLabel: null });
    resumed.model.dispose();
    resumed.trainLoss.forEach((l, i) =>
      expect(l, `step ${i + 1}, seed ${SEED}`).toBeCloseTo(straight.trainLoss[i]!, 4),
    );
  }, 180_000);

  it('a rank that dies ends the job with a message naming it, not a hang', async () => {
    const job = { ...lmJob('sgsm', tmp('dies')), run: { ...tinyRun('sgsm'), steps: 100_000 } };
    const entry = new URL('./fixtures/dp-dying-rank.mjs', import.meta.url);
    const t0 = performance.now();
    const error = await runWorkers({
      size: 2,
      entry,
      payload: job,
      execArgv: ['--conditions=@momentum-smoe/source'],
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toBe('worker rank 1 of 2 exited with code 3 before sending its result');
    expect((performance.now() - t0) / 1000).toBeLessThan(90); // 100,000 steps would take hours
  }, 120_000);
});

const mpirun = (process.env['PATH'] ?? '')
  .split(delimiter)
  .map((d) => join(d, 'mpirun'))
  .find((f) => existsSync(f));

if (!mpirun)
  console.log(
    'data-parallel test under mpirun skipped: no mpirun on PATH (install Open MPI: apt-get install openmpi-bin)',
  );

describe('data-parallel training under mpirun', () => {
  it.skipIf(!mpirun)(
    'mpirun -np 2 gives the same bits as 2 worker threads',
    async () => {
      const out = tmp('mpi');
      const fixture = fileURLToPath(new URL('./fixtures/dp-lm.ts', import.meta.url));
      const env = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' };
      const args = [
        '--oversubscribe',
        '-np',
        '2',
        process.execPath,
        '--conditions=@momentum-smoe/source',
        '--import',
        'tsx',
        fixture,
        out,
        'sgsm',
      ];
      await new Promise<void>((resolve, reject) =>
        execFile(mpirun!, args, { env, timeout: 150_000 }, (e, _o, stderr) =>
          e ? reject(new Error(`${e.message}\n${stderr}`)) : resolve(),
        ),
      );
      const mpi = (JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as Extract<DpJobResult, { kind: 'lm' }>)
        .result;
      expect(mpi.trainLoss).toEqual(reference.result!.trainLoss);
      expect(worstDifference(await weights(reference.dir!), await weights(out))).toBe(0);
    },
    240_000,
  );
});
