/**
 * The two binary interfaces of MPI libraries. Open MPI's handles (`MPI_Comm`, `MPI_Datatype`, `MPI_Op`, …) are
 * pointers to global objects the library exports (`MPI_COMM_WORLD` is `&ompi_mpi_comm_world`); MPICH and its
 * derivatives (Intel MPI, MVAPICH, Cray MPICH) use 32-bit integer handles with fixed values from `mpi.h`. The
 * constants below are those headers' values.
 * @module
 */

/** The ABI family of an MPI library. */
export type MpiFamily = 'openmpi' | 'mpich';

/** The handles and constants of one MPI library, resolved for calls through koffi. */
export interface MpiAbi {
  readonly family: MpiFamily;
  /** The C type that handles are passed as: a pointer (Open MPI) or an int (MPICH). */
  readonly handleType: 'void *' | 'int';
  readonly commWorld: bigint | number;
  readonly float: bigint | number;
  readonly byte: bigint | number;
  readonly sum: bigint | number;
  readonly infoNull: bigint | number;
  /** `MPI_IN_PLACE`, a sentinel pointer. */
  readonly inPlace: bigint;
  /** `MPI_COMM_TYPE_SHARED`, for `MPI_Comm_split_type` (the ranks of one node). */
  readonly commTypeShared: number;
  /** `MPI_MAX_LIBRARY_VERSION_STRING`. */
  readonly libraryVersionBytes: number;
}

/** `MPI_THREAD_SERIALIZED`, the same in both families: any thread may call, one at a time. */
export const threadSerialized = 2;

/** MPICH's `mpi.h` values. */
export const mpichAbi: MpiAbi = {
  family: 'mpich',
  handleType: 'int',
  commWorld: 0x44000000,
  float: 0x4c00040a,
  byte: 0x4c00010d,
  sum: 0x58000003,
  infoNull: 0x1c000000,
  inPlace: 2n ** 64n - 1n, // (void *)-1 on a 64-bit machine
  commTypeShared: 1,
  libraryVersionBytes: 8192,
};

/** The exported objects whose addresses are Open MPI's predefined handles. */
export const openMpiSymbols = {
  commWorld: 'ompi_mpi_comm_world',
  float: 'ompi_mpi_float',
  byte: 'ompi_mpi_byte',
  sum: 'ompi_mpi_op_sum',
  infoNull: 'ompi_mpi_info_null',
} as const;

/** Which family a loaded library belongs to, from the symbols it exports; `undefined` when it is not MPI at all. */
export function detectMpiFamily(hasSymbol: (name: string) => boolean): MpiFamily | undefined {
  if (hasSymbol(openMpiSymbols.commWorld)) return 'openmpi';
  if (hasSymbol('MPI_Init_thread')) return 'mpich';
  return undefined;
}

/** The ABI of a library of `family`; `addressOf` gives the address of an exported symbol (Open MPI only). */
export function mpiAbi(family: MpiFamily, addressOf: (name: string) => bigint): MpiAbi {
  if (family === 'mpich') return mpichAbi;
  return {
    family,
    handleType: 'void *',
    commWorld: addressOf(openMpiSymbols.commWorld),
    float: addressOf(openMpiSymbols.float),
    byte: addressOf(openMpiSymbols.byte),
    sum: addressOf(openMpiSymbols.sum),
    infoNull: addressOf(openMpiSymbols.infoNull),
    inPlace: 1n,
    commTypeShared: 0,
    libraryVersionBytes: 256,
  };
}
