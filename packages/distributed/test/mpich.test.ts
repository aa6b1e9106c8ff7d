import { describe, expect, it } from 'vitest';
import { rankData } from './fixtures/data.js';
import { launch, mpich, noMpichReason, results } from './mpi.js';
import { bits, referenceReduce } from './reference.js';

if (!mpich) console.log(`MPICH tests skipped: ${noMpichReason}`);

describe.skipIf(!mpich)("MpiCommunicator on MPICH's ABI (integer handles, MPI_IN_PLACE -1), under Hydra", () => {
  it.each([2, 3])('mpiexec -n %i: the all-reduce equals the rank-order float32 reference', async (ranks) => {
    const [seed, length, root] = [26, 40_003, 1];
    const out = await launch(ranks, [seed, length, root, 10_000], { launcher: 'mpich' });
    expect(out.code, out.stderr).toBe(0);
    const reports = results(out);
    expect(reports.map((r) => [r.rank, r.size, r.localSize, r.family])).toEqual(
      Array.from({ length: ranks }, (_, r) => [r, ranks, ranks, 'mpich']),
    );
    expect(reports[0]!.library).toMatch(/^MPICH Version:\s+\d/);
    for (const r of reports) {
      expect(bits(r.sum), `seed ${seed}`).toEqual(bits(referenceReduce(seed, ranks, length, 'sum')));
      expect(bits(r.mean), `seed ${seed}`).toEqual(bits(referenceReduce(seed, ranks, length, 'mean')));
      expect(bits(r.staged), `seed ${seed}`).toEqual(bits(referenceReduce(seed, ranks, length, 'mean')));
      expect(bits(r.floats)).toEqual(bits(rankData(seed + 1, root, length)));
    }
  });
});
