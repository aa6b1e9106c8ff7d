/**
 * E two-layer MLPs stored as stacked weights, run either per expert on contiguous row groups (dropless dispatch) or
 * as one batched matMul over capacity buffers.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import {
  ConfigError,
  Module,
  ShapeError,
  fastmoeExpertInit,
  groupedMatMul,
  seededDropout,
  torchLinearInit,
  type Rng,
} from '@momentum-smoe/core';

/** Hidden activation of every expert. `gelu` is the exact (erf) form, as `torch.nn.GELU()`. */
export type ExpertActivation = 'relu' | 'gelu';

/**
 * Weight initialisation. `fastmoe`: U(±1/√(in·out)) on the stacked weights, biases 0 (the official code's quirk,
 * see `fastmoeExpertInit` in `@momentum-smoe/core`). `torch`: each expert as a PyTorch `nn.Linear`, weights and
 * biases U(±1/√fanIn).
 */
export type ExpertInit = 'fastmoe' | 'torch';

/** Options of {@link ExpertBank}. */
export interface ExpertBankOptions {
  /** Number of experts E. */
  experts: number;
  /** Input width. */
  dIn: number;
  /** Hidden width of each expert. */
  dHidden: number;
  /** Output width; default `dIn`. */
  dOut?: number;
  /** Hidden activation; default `relu`. */
  activation?: ExpertActivation;
  /** Dropout rate on the hidden activation (training mode only); default 0. */
  dropout?: number;
  /** Initialisation; default `fastmoe`. */
  init?: ExpertInit;
  /** Seeded generator for the initial weights and for dropout masks. */
  rng: Rng;
}

function checkPositiveInt(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 1)
    throw new ConfigError(`ExpertBank: ${name} must be a positive integer, got ${value}`);
}

/**
 * E experts, each `Linear(dIn → dHidden) → activation → Dropout → Linear(dHidden → dOut)` (the official
 * `_Expert`), with weights stacked as `w1: [E, dIn, dHidden]`, `b1: [E, dHidden]`, `w2: [E, dHidden, dOut]`,
 * `b2: [E, dOut]`.
 * The bank never routes: {@link MoELayer} (or {@link applyPlan}) decides which rows reach which expert.
 * @example
 * ```ts
 * const bank = new ExpertBank({ experts: 16, dIn: 256, dHidden: 1024, rng: new Rng(0) });
 * const y = bank.applyBatched(tf.zeros([16, 8, 256]));   // y: [16, 8, 256]
 * ```
 */
export class ExpertBank extends Module {
  /** Number of experts E. */
  readonly experts: number;
  /** Input width. */
  readonly dIn: number;
  /** Hidden width. */
  readonly dHidden: number;
  /** Output width. */
  readonly dOut: number;
  /** Hidden activation. */
  readonly activation: ExpertActivation;
  /** Dropout rate on the hidden activation. */
  readonly dropout: number;
  /** First-layer weights `[E, dIn, dHidden]`. */
  readonly w1: tf.Variable<tf.Rank.R3>;
  /** First-layer biases `[E, dHidden]`. */
  readonly b1: tf.Variable<tf.Rank.R2>;
  /** Second-layer weights `[E, dHidden, dOut]`. */
  readonly w2: tf.Variable<tf.Rank.R3>;
  /** Second-layer biases `[E, dOut]`. */
  readonly b2: tf.Variable<tf.Rank.R2>;
  private readonly rng: Rng;

  constructor(options: ExpertBankOptions) {
    super();
    const { experts, dIn, dHidden, dOut = dIn, activation = 'relu', dropout = 0, init = 'fastmoe', rng } = options;
    checkPositiveInt(experts, 'experts');
    checkPositiveInt(dIn, 'dIn');
    checkPositiveInt(dHidden, 'dHidden');
    checkPositiveInt(dOut, 'dOut');
    if (activation !== 'relu' && activation !== 'gelu')
      throw new ConfigError(`ExpertBank: unknown activation '${String(activation)}': use 'relu' or 'gelu'`);
    if (!(dropout >= 0 && dropout < 1)) throw new ConfigError(`ExpertBank: dropout must be in [0, 1), got ${dropout}`);
    if (init !== 'fastmoe' && init !== 'torch')
      throw new ConfigError(`ExpertBank: unknown init '${String(init)}': use 'fastmoe' or 'torch'`);
    this.experts = experts;
    this.dIn = dIn;
    this.dHidden = dHidden;
    this.dOut = dOut;
    this.activation = activation;
    this.dropout = dropout;
    this.rng = rng;
    const w =
      init === 'fastmoe' ? fastmoeInit(rng, experts, dIn, dHidden, dOut) : torchInit(rng, experts, dIn, dHidden, dOut);
    this.w1 = this.param('w1', w.w1);
    this.b1 = this.param('b1', w.b1);
    this.w2 = this.param('w2', w.w2);
    this.b2 = this.param('b2', w.b2);
  }

  /**
   * Runs expert e on the e-th group of rows, where `x` holds the groups back to back and `counts[e]` is the size of
   * group e (Σ counts = rows of x). Each layer is one `groupedMatMul` (one product per non-empty expert, on the
   * stacked weights in place); empty experts cost nothing.
   * @param x `[Σ counts, dIn]`, rows sorted by expert.
   * @returns `[Σ counts, dOut]` in the same row order.
   */
  applyGrouped(x: tf.Tensor2D, counts: readonly number[]): tf.Tensor2D {
    // x: [N, dIn] grouped by expert -> [N, dOut]
    this.checkInput(x, 2);
    const total = counts.reduce((a, b) => a + b, 0);
    if (counts.length !== this.experts || total !== x.shape[0]) {
      throw new ConfigError(
        `ExpertBank.applyGrouped: counts must have one entry per expert (${this.experts}) and sum to the rows of x ` +
          `(${x.shape[0]}); got ${counts.length} entries summing to ${total}`,
      );
    }
    return tf.tidy(() => {
      const pre = groupedMatMul(x, this.w1, counts, { bias: this.b1 }); // [N, dHidden]
      return groupedMatMul(this.hidden(pre), this.w2, counts, { bias: this.b2 }); // [N, dOut]
    });
  }

  /**
   * Runs every expert on its own buffer: one batched matMul per layer.
   * @param x `[E, C, dIn]` (capacity buffers; empty slots are zero rows and give `b2` rows, which combines ignore).
   * @returns `[E, C, dOut]`.
   */
  applyBatched(x: tf.Tensor3D): tf.Tensor3D {
    // x: [E, C, dIn] -> [E, C, dOut]
    this.checkInput(x, 3);
    return tf.tidy(() => {
      const pre = tf.add(tf.matMul(x, this.w1), this.b1.expandDims(1)); // [E, C, dHidden]
      const h = this.hidden(pre);
      return tf.add(tf.matMul(h, this.w2), this.b2.expandDims(1)) as tf.Tensor3D; // [E, C, dOut]
    });
  }

  /**
   * Activation then dropout (training only, one seed drawn from the bank's generator per call), on any shape: what
   * every dispatch applies between the two layers.
   */
  hidden<T extends tf.Tensor>(pre: T): T {
    const act = this.activation === 'relu' ? tf.relu(pre) : gelu(pre);
    return (this.dropoutActive() ? seededDropout(act, this.dropout, this.rng.nextSeed()) : act) as T;
  }

  private dropoutActive(): boolean {
    return this.training && this.dropout > 0;
  }

  private checkInput(x: tf.Tensor, rank: 2 | 3): void {
    if (rank === 2 && (x.rank !== 2 || x.shape[1] !== this.dIn)) {
      const what =
        `ExpertBank input (rows of width dIn=${this.dIn}; reshape to [T, ${this.dIn}] ` +
        `or build the bank with dIn=${x.shape.at(-1)})`;
      throw new ShapeError(what, [null, this.dIn], x.shape);
    }
    if (rank === 3 && (x.rank !== 3 || x.shape[0] !== this.experts || x.shape[2] !== this.dIn)) {
      throw new ShapeError(`ExpertBank batched input (one buffer per expert)`, [this.experts, null, this.dIn], x.shape);
    }
  }
}

/** Exact GELU, `0.5·x·(1 + erf(x/√2))` (autograd through `erf`). */
function gelu<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1))) as T;
}

interface StackedWeights {
  w1: tf.Tensor3D;
  b1: tf.Tensor2D;
  w2: tf.Tensor3D;
  b2: tf.Tensor2D;
}

function fastmoeInit(rng: Rng, e: number, dIn: number, dHidden: number, dOut: number): StackedWeights {
  return {
    w1: fastmoeExpertInit(rng, e, dIn, dHidden),
    b1: tf.zeros([e, dHidden]),
    w2: fastmoeExpertInit(rng, e, dHidden, dOut),
    b2: tf.zeros([e, dOut]),
  };
}

/** Each expert's two layers drawn as `nn.Linear` defaults, expert by expert (layer 1 then layer 2). */
function torchInit(rng: Rng, e: number, dIn: number, dHidden: number, dOut: number): StackedWeights {
  const parts = Array.from({ length: e }, () => ({
    l1: torchLinearInit(rng, dIn, dHidden),
    l2: torchLinearInit(rng, dHidden, dOut),
  }));
  const stackAndFree = <T extends tf.Tensor>(ts: T[]) => {
    const s = tf.stack(ts);
    ts.forEach((t) => t.dispose());
    return s;
  };
  return {
    w1: stackAndFree(parts.map((p) => p.l1.weight)) as tf.Tensor3D,
    b1: stackAndFree(parts.map((p) => p.l1.bias)) as tf.Tensor2D,
    w2: stackAndFree(parts.map((p) => p.l2.weight)) as tf.Tensor3D,
    b2: stackAndFree(parts.map((p) => p.l2.bias)) as tf.Tensor2D,
  };
}
