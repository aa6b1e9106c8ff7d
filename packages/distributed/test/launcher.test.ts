import { describe, expect, it } from 'vitest';
import { detectLauncher, LocalCommunicator, tasksPerNode } from '../src/index.js';

describe('detectLauncher', () => {
  it('is undefined for a plain node process', () => {
    expect(detectLauncher({ PATH: '/usr/bin', SLURM_JOB_ID: '12', SLURM_PROCID: '0' })).toBeUndefined();
  });

  it("reads Open MPI's mpirun variables, even inside a Slurm allocation", () => {
    const env = {
      OMPI_COMM_WORLD_RANK: '5',
      OMPI_COMM_WORLD_SIZE: '8',
      OMPI_COMM_WORLD_LOCAL_RANK: '1',
      OMPI_COMM_WORLD_LOCAL_SIZE: '4',
      SLURM_PROCID: '1',
      SLURM_STEP_NUM_TASKS: '2',
      SLURM_LOCALID: '0',
    };
    expect(detectLauncher(env)).toEqual({ kind: 'openmpi', rank: 5, size: 8, localRank: 1, localSize: 4 });
  });

  it("reads MPICH Hydra's variables", () => {
    const env = { PMI_RANK: '3', PMI_SIZE: '4', MPI_LOCALRANKID: '1', MPI_LOCALNRANKS: '2' };
    expect(detectLauncher(env)).toEqual({ kind: 'mpich', rank: 3, size: 4, localRank: 1, localSize: 2 });
  });

  it("reads srun's variables, the local size from this node's entry of the tasks-per-node list", () => {
    const env = {
      SLURM_PROCID: '9',
      SLURM_STEP_NUM_TASKS: '10',
      SLURM_LOCALID: '0',
      SLURM_NODEID: '3',
      SLURM_STEP_TASKS_PER_NODE: '3(x3),1',
    };
    expect(detectLauncher(env)).toEqual({ kind: 'slurm', rank: 9, size: 10, localRank: 0, localSize: 1 });
  });

  it('names a malformed or inconsistent variable', () => {
    const env = {
      OMPI_COMM_WORLD_RANK: '2',
      OMPI_COMM_WORLD_SIZE: '2',
      OMPI_COMM_WORLD_LOCAL_RANK: '0',
      OMPI_COMM_WORLD_LOCAL_SIZE: '1',
    };
    expect(() => detectLauncher({ ...env, OMPI_COMM_WORLD_SIZE: 'two' })).toThrow(
      /OMPI_COMM_WORLD_SIZE should be a non-negative integer, got "two"/,
    );
    expect(() => detectLauncher(env)).toThrow(/inconsistent/);
  });

  it('expands Slurm tasks-per-node lists', () => {
    expect(tasksPerNode('2(x3),1')).toEqual([2, 2, 2, 1]);
    expect(tasksPerNode('8')).toEqual([8]);
    expect(tasksPerNode('')).toEqual([]);
  });
});

describe('LocalCommunicator', () => {
  it('is a group of one whose collectives leave the data unchanged', async () => {
    const comm = new LocalCommunicator();
    const x = new Float32Array([1.5, -2, 3]);
    await comm.allReduce(x, 'mean');
    await comm.broadcast(x, 0);
    await comm.barrier();
    expect(Array.from(x)).toEqual([1.5, -2, 3]);
    expect([comm.rank, comm.size, comm.localRank, comm.localSize]).toEqual([0, 1, 0, 1]);
    await expect(comm.broadcast(x, 1)).rejects.toThrow(/root must be a rank in \[0, 0\]/);
  });
});
