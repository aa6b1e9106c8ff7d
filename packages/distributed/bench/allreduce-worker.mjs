// Worker entry of the all-reduce benchmark (JavaScript: worker threads take no TypeScript loader from execArgv).
import { tsImport } from 'tsx/esm/api';

const { workerMain } = await tsImport('../src/index.ts', import.meta.url);
const { timeAllReduce } = await tsImport('./timing.ts', import.meta.url);
await workerMain((comm, { sizesMB, reps }) => timeAllReduce(comm, sizesMB, reps));
