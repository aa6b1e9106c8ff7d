/**
 * Data-parallel communicators for momentum-smoe training: {@link LocalCommunicator} (one process),
 * {@link WorkerCommunicator} (worker threads of one process, through shared memory, started by {@link runWorkers})
 * and {@link MpiCommunicator} (the ranks of an MPI job, through the system's MPI library), plus
 * {@link detectLauncher} to tell whether `mpirun`, `mpiexec` or `srun` started this process.
 * @module
 */
export { type Communicator, type ReduceOp, type ReduceStaging } from './communicator.js';
export { CollectiveAbortedError, DistributedError, MpiUnavailableError, WorkerFailedError } from './errors.js';
export { detectLauncher, tasksPerNode, type LauncherInfo, type LauncherKind } from './launcher.js';
export { LocalCommunicator } from './local-communicator.js';
export { detectMpiFamily, mpiAbi, mpichAbi, openMpiSymbols, type MpiAbi, type MpiFamily } from './mpi/abi.js';
export { defaultMpiLibraries, mpiLibraryEnv } from './mpi/library.js';
export { MpiCommunicator, type MpiOpenOptions } from './mpi/mpi-communicator.js';
export { runWorkers, type RunWorkersOptions } from './run-workers.js';
export { type SharedGroup, type SharedGroupOptions } from './shared-group.js';
export { type SharedWasmMemory } from './sum-kernel.js';
export { WorkerCommunicator } from './worker-communicator.js';
export { postResult, workerMain, workerPayload } from './worker-entry.js';
