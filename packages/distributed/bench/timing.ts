import type { Communicator } from '../src/index.js';

/** What each bench rank runs: the median time of an all-reduce ('mean') of each size, every rank starting together. */
export async function timeAllReduce(comm: Communicator, sizesMB: readonly number[], reps: number) {
  const out: Record<string, number> = {};
  for (const mb of sizesMB) {
    const grads = new Float32Array((mb * 2 ** 20) / 4).fill(comm.rank + 1);
    await comm.allReduce(grads, 'mean'); // warm-up: grows buffers, faults pages in
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      await comm.barrier();
      const t0 = performance.now();
      await comm.allReduce(grads, 'mean');
      times.push(performance.now() - t0);
    }
    if (grads[0] !== (comm.size + 1) / 2) throw new Error(`wrong mean ${grads[0]}`);
    out[`${mb}MB`] = times.sort((a, b) => a - b)[Math.floor(reps / 2)]!;
  }
  return out;
}
