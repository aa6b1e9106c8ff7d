/**
 * Blocks of M tokens from the B streams of {@link batchify}, in the official training and evaluation
 * orders. Each block is an input `x` and its next-token target `y`, both `[B, M]`.
 * @module
 */
import { DatasetError } from '../errors.js';
import type { Batchified } from './batchify.js';
import { SeededRandom, type SeededRandomState } from './random.js';

/** One block of every stream. */
export interface Block {
  /** `[B, M]` row-major: `x[b, j] = data[b, position + j]`. */
  x: Int32Array;
  /** `[B, M]` row-major: `y[b, j] = data[b, position + j + 1]`. */
  y: Int32Array;
  /** Column of `data` where `x` starts. */
  position: number;
  /** True when this block does not continue the previous one: the model must zero its attention cache. */
  reset: boolean;
}

/** Where a {@link TrainingBlocks} stands, to save with a checkpoint and resume from. */
export interface TrainingBlocksState {
  /** Column where the next block starts. */
  position: number;
  /** Whether the next block starts a new pass (cache reset). */
  reset: boolean;
  /** State of the restart-offset generator. */
  rng: SeededRandomState;
}

function checkBlockSize(data: Batchified, blockSize: number, minLength: number, what: string): void {
  if (!Number.isInteger(blockSize) || blockSize <= 0)
    throw new DatasetError(`${what}: block size must be a positive integer, got ${blockSize}`);
  if (data.length < minLength) {
    throw new DatasetError(
      `${what}: streams of ${data.length} tokens are too short for blocks of ${blockSize} ` +
        `(need at least ${minLength}); use fewer streams or a smaller block`,
    );
  }
}

function cutBlock(data: Batchified, blockSize: number, position: number, reset: boolean): Block {
  const { streams: B, length: T } = data;
  const x = new Int32Array(B * blockSize); // [B, M]
  const y = new Int32Array(B * blockSize); // [B, M]
  for (let b = 0; b < B; b++) {
    const row = b * T + position;
    x.set(data.data.subarray(row, row + blockSize), b * blockSize);
    y.set(data.data.subarray(row + 1, row + blockSize + 1), b * blockSize);
  }
  return { x, y, position, reset };
}

/**
 * The official training order, without end: blocks at 0, M, 2M, ... and, once the next position
 * would leave fewer than M + 1 tokens (`position >= T - M`), a restart at a random offset below M drawn
 * from a seeded generator, with `reset` set so the model zeros its cache. Needs `T >= 2M`.
 * @example
 * ```ts
 * const blocks = new TrainingBlocks(batchify(corpus.splits.train.ids, 48), 512, { seed: 1 });
 * const { x, y, reset } = blocks.next();
 * const saved = blocks.state(); // with the checkpoint; resume: new TrainingBlocks(data, 512, { state: saved })
 * ```
 */
export class TrainingBlocks {
  private position: number;
  private reset: boolean;
  private readonly rng: SeededRandom;

  /**
   * @param options.seed seeds the restart offsets (default 0).
   * @param options.state a saved {@link TrainingBlocksState} to resume from; the seed is then ignored.
   */
  constructor(
    private readonly data: Batchified,
    private readonly blockSize: number,
    options: { seed?: number; state?: TrainingBlocksState } = {},
  ) {
    checkBlockSize(data, blockSize, 2 * blockSize, 'TrainingBlocks');
    const { state } = options;
    if (
      state !== undefined &&
      (!Number.isInteger(state.position) || state.position < 0 || state.position >= data.length - blockSize)
    ) {
      throw new DatasetError(
        `TrainingBlocks: saved position ${state.position} is outside 0..${data.length - blockSize - 1}; ` +
          'was it saved for other data?',
      );
    }
    this.position = state?.position ?? 0;
    this.reset = state?.reset ?? true;
    this.rng = new SeededRandom(options.seed ?? 0, state?.rng);
  }

  /** The next block. */
  next(): Block {
    const block = cutBlock(this.data, this.blockSize, this.position, this.reset);
    this.reset = false;
    this.position += this.blockSize;
    if (this.position >= this.data.length - this.blockSize) {
      this.position = this.rng.int(this.blockSize);
      this.reset = true;
    }
    return block;
  }

  /** The state that makes a new iterator continue exactly from here. */
  state(): TrainingBlocksState {
    return { position: this.position, reset: this.reset, rng: this.rng.state() };
  }
}

/**
 * Number of blocks {@link evaluationBlocks} yields: the complete blocks at 0, M, 2M, ... while
 * `position < T - M` (the official full evaluation skips the final partial block).
 */
export function evaluationBlockCount(data: Batchified, blockSize: number): number {
  checkBlockSize(data, blockSize, blockSize + 1, 'evaluationBlocks');
  return Math.ceil((data.length - blockSize) / blockSize);
}

/**
 * The official full evaluation order: sequential complete blocks, the cache kept throughout (`reset`
 * only on the first block), the final partial block skipped.
 * @example
 * ```ts
 * for (const { x, y, reset } of evaluationBlocks(batchify(corpus.splits.valid.ids, 48), 512)) { ... }
 * ```
 */
export function* evaluationBlocks(data: Batchified, blockSize: number): Generator<Block> {
  const count = evaluationBlockCount(data, blockSize);
  for (let k = 0; k < count; k++) yield cutBlock(data, blockSize, k * blockSize, k === 0);
}
