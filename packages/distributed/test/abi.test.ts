import { describe, expect, it } from 'vitest';
import { detectMpiFamily, mpiAbi, mpichAbi, openMpiSymbols } from '../src/index.js';

describe('MPI ABI families', () => {
  it("tells Open MPI from MPICH by Open MPI's exported handle objects", () => {
    const openMpi = new Set(['MPI_Init_thread', 'ompi_mpi_comm_world', 'ompi_mpi_float']);
    const mpich = new Set(['MPI_Init_thread', 'PMPI_Init_thread', 'MPIR_Err_return_comm']);
    expect(detectMpiFamily((s) => openMpi.has(s))).toBe('openmpi');
    expect(detectMpiFamily((s) => mpich.has(s))).toBe('mpich');
    expect(detectMpiFamily(() => false)).toBeUndefined();
  });

  it("uses MPICH's integer handles from mpi.h and (void *)-1 for MPI_IN_PLACE", () => {
    const abi = mpiAbi('mpich', () => {
      throw new Error('MPICH handles are constants, not symbols');
    });
    expect(abi).toBe(mpichAbi);
    expect(abi.handleType).toBe('int');
    // mpi.h of MPICH 3.x/4.x: #define MPI_COMM_WORLD ((MPI_Comm)0x44000000), MPI_FLOAT 0x4c00040a, MPI_BYTE 0x4c00010d,
    // MPI_SUM 0x58000003, MPI_INFO_NULL 0x1c000000, MPI_COMM_TYPE_SHARED 1, MPI_MAX_LIBRARY_VERSION_STRING 8192.
    expect([abi.commWorld, abi.float, abi.byte, abi.sum, abi.infoNull]).toEqual([
      0x44000000, 0x4c00040a, 0x4c00010d, 0x58000003, 0x1c000000,
    ]);
    expect(abi.inPlace).toBe(BigInt.asUintN(64, -1n));
    expect([abi.commTypeShared, abi.libraryVersionBytes]).toEqual([1, 8192]);
  });

  it("uses the addresses of Open MPI's global objects as handles and (void *)1 for MPI_IN_PLACE", () => {
    const addresses: Record<string, bigint> = {
      ompi_mpi_comm_world: 0x1000n,
      ompi_mpi_float: 0x2000n,
      ompi_mpi_byte: 0x3000n,
      ompi_mpi_op_sum: 0x4000n,
      ompi_mpi_info_null: 0x5000n,
    };
    const abi = mpiAbi('openmpi', (name) => addresses[name]!);
    expect(abi.handleType).toBe('void *');
    expect([abi.commWorld, abi.float, abi.byte, abi.sum, abi.infoNull]).toEqual([
      0x1000n,
      0x2000n,
      0x3000n,
      0x4000n,
      0x5000n,
    ]);
    expect(Object.values(openMpiSymbols).sort()).toEqual(Object.keys(addresses).sort());
    expect([abi.inPlace, abi.commTypeShared, abi.libraryVersionBytes]).toEqual([1n, 0, 256]);
  });
});
