/**
 * The entry module of each worker thread that {@link runJobOnWorkers} starts: one rank of the group, with its own
 * tfjs instance, running the job it was given.
 * @module
 */
import { workerMain } from '@momentum-smoe/distributed';
import { DataParallel } from './data-parallel.js';
import { runDpJob, sharedStopSignal, type DpJob } from './dp-job.js';

await workerMain(async (comm, payload: { job: DpJob; stop: SharedArrayBuffer }) =>
  runDpJob(new DataParallel(comm), payload.job, sharedStopSignal(new Int32Array(payload.stop))),
);
