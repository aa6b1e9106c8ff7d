// One MPI rank of the all-reduce benchmark: `mpirun -np 2 node --import tsx allreduce-mpi.ts OUT.json REPS MB…`.
import { writeFileSync } from 'node:fs';
import { MpiCommunicator } from '../src/index.js';
import { timeAllReduce } from './timing.js';

const [out, reps, ...sizes] = process.argv.slice(2);
const comm = await MpiCommunicator.open();
const times = await timeAllReduce(comm, sizes.map(Number), Number(reps));
if (comm.rank === 0) writeFileSync(out!, JSON.stringify({ library: comm.libraryVersion, times }));
await comm.close();
