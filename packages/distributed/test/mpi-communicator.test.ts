import { describe, expect, it } from 'vitest';
import { MpiCommunicator, MpiUnavailableError, runWorkers } from '../src/index.js';
import { loadMpiLibrary } from '../src/mpi/library.js';
import { rankData } from './fixtures/data.js';
import type { ExerciseResult } from './fixtures/exercise.js';
import { launch, mpirun, noMpirunReason, results } from './mpi.js';
import { bits, referenceReduce, reverseOrderSum } from './reference.js';

if (!mpirun) console.log(`MPI tests skipped: ${noMpirunReason}`);

describe.skipIf(!mpirun)('MpiCommunicator under mpirun (Open MPI, shared memory)', () => {
  it('mpirun -np 2: all-reduce equals the rank-order float32 reference and the worker-thread result', async () => {
    const [seed, length, root] = [21, 20_011, 1];
    const out = await launch(2, [seed, length, root]);
    expect(out.code, out.stderr).toBe(0);
    const ranks = results(out);
    expect(ranks.map((r) => [r.rank, r.size, r.localRank, r.localSize, r.family])).toEqual([
      [0, 2, 0, 2, 'openmpi'],
      [1, 2, 1, 2, 'openmpi'],
    ]);
    expect(ranks[0]!.library).toMatch(/^Open MPI v\d[^\0]*$/);
    const workers = await runWorkers<ExerciseResult>({
      size: 2,
      entry: new URL('./fixtures/worker-exercise.mjs', import.meta.url),
      payload: { seed, length, root },
    });
    const sum = referenceReduce(seed, 2, length, 'sum');
    const mean = referenceReduce(seed, 2, length, 'mean');
    for (const [r, rank] of ranks.entries()) {
      expect(bits(rank.sum), `seed ${seed}`).toEqual(bits(sum));
      expect(bits(rank.mean), `seed ${seed}`).toEqual(bits(mean));
      expect(bits(rank.sum)).toEqual(bits(workers[r]!.sum));
      expect(bits(rank.mean)).toEqual(bits(workers[r]!.mean));
      // the staged form: one range on MPI (through an array of the communicator's), equal to the worker threads'
      expect(bits(rank.staged), `seed ${seed}`).toEqual(bits(mean));
      expect(rank.ranges).toEqual([[0, length]]);
      expect(bits(workers[r]!.staged)).toEqual(bits(mean));
      expect(bits(rank.floats)).toEqual(bits(rankData(seed + 1, root, length)));
      expect(Array.from(new Set(rank.bytes))).toEqual([root + 7]);
    }
  });

  it('mpirun -np 3: the sum is still taken in rank order (alltoall, ordered sum, allgather), in pieces', async () => {
    const [seed, length, root] = [22, 3001, 2];
    const out = await launch(3, [seed, length, root, 700]); // 700 elements per MPI call: 5 pieces
    expect(out.code, out.stderr).toBe(0);
    const sum = referenceReduce(seed, 3, length, 'sum');
    expect(bits(reverseOrderSum(seed, 3, length))).not.toEqual(bits(sum));
    const ranks = results(out);
    expect(ranks).toHaveLength(3);
    for (const rank of ranks) {
      expect(bits(rank.sum), `seed ${seed}`).toEqual(bits(sum));
      expect(bits(rank.mean), `seed ${seed}`).toEqual(bits(referenceReduce(seed, 3, length, 'mean')));
      expect(bits(rank.staged), `seed ${seed}`).toEqual(bits(referenceReduce(seed, 3, length, 'mean')));
      expect(bits(rank.floats)).toEqual(bits(rankData(seed + 1, root, length))); // 12,004 bytes: 5 broadcast pieces
    }
  });

  it('without mpirun, MPI runs as a singleton of size 1', async () => {
    const out = await launch(0, [23, 100, 0]);
    expect(out.code, out.stderr).toBe(0);
    const [only] = results(out);
    expect([only!.rank, only!.size, only!.localSize]).toEqual([0, 1, 1]);
    expect(bits(only!.sum)).toEqual(bits(rankData(23, 0, 100)));
  });

  it('a launcher whose ranks the library does not see (mismatched MPI) is an error, not N singletons', async () => {
    const srun = { SLURM_STEP_NUM_TASKS: '2', SLURM_PROCID: '0', SLURM_LOCALID: '0', SLURM_STEP_TASKS_PER_NODE: '2' };
    const out = await launch(0, [25, 10, 0], { env: srun });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/slurm started 2 ranks, but libmpi\.so\.40 \(openmpi\) sees 1: the launcher and the/);
  });

  it('a rank that dies ends the whole job with its error, not a hang', async () => {
    const out = await launch(3, [24, 100, 0, 'die']);
    expect(out.code).not.toBe(0);
    expect(out.code).not.toBeNull(); // null: killed by our 60 s timeout, i.e. it hung
    expect(out.stderr).toContain('rank 1 lost its GPU');
    expect(out.seconds).toBeLessThan(50);
  });
});

describe('MpiCommunicator without an MPI library', () => {
  it('names the library it tried and the fix, in one error', async () => {
    const error = await MpiCommunicator.open({ library: '/nonexistent/libmpi.so.40' }).then(
      () => new Error('opened'),
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(MpiUnavailableError);
    expect(error.message).toMatch(/^MPI library could not be loaded: \/nonexistent\/libmpi\.so\.40 \(/);
    expect(error.message).toContain("install Open MPI ('apt-get install openmpi-bin')");
    expect(error.message).toContain("or load your cluster's MPI module");
    expect(error.message).toContain('to train in one process instead, run without mpirun/srun');
    expect(error.message.split('\n')).toHaveLength(1);
  });

  it('without a library on the system, lists the names it tried', async () => {
    const before = process.env['MSMOE_MPI_LIBRARY'];
    delete process.env['MSMOE_MPI_LIBRARY'];
    try {
      await expect(loadMpiLibrary(undefined, ['libmpi-absent.so.40', 'libmpi-absent.so.12'])).rejects.toThrow(
        /^no MPI library found \(tried libmpi-absent\.so\.40, libmpi-absent\.so\.12\): install Open MPI \('apt-get/,
      );
    } finally {
      if (before !== undefined) process.env['MSMOE_MPI_LIBRARY'] = before;
    }
  });

  it('takes the library from MSMOE_MPI_LIBRARY', async () => {
    const before = process.env['MSMOE_MPI_LIBRARY'];
    process.env['MSMOE_MPI_LIBRARY'] = '/nonexistent/libmpich.so.12';
    try {
      await expect(MpiCommunicator.open()).rejects.toThrow(/could not be loaded: \/nonexistent\/libmpich\.so\.12/);
    } finally {
      if (before === undefined) delete process.env['MSMOE_MPI_LIBRARY'];
      else process.env['MSMOE_MPI_LIBRARY'] = before;
    }
  });

  it('refuses a library that is not MPI', async () => {
    await expect(MpiCommunicator.open({ library: 'libc.so.6' })).rejects.toThrow(/libc\.so\.6 \(not an MPI library/);
  });
});
