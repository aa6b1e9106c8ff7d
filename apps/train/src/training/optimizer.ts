/**
 * Adam with named, checkpointable state (PyTorch semantics: bias-corrected, ε outside the root), optional
 * decoupled weight decay on a chosen subset of parameters and global-norm gradient clipping (the V-MoE recipe).
 * Written here rather than using `tf.train.adam` so that its moments are saved under the parameters' own names.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { adamStep, squaredNorm, type TensorData } from '@momentum-smoe/core';

/** Options of {@link Adam}. */
export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay (AdamW), applied as p ← p − lr·wd·p to parameters `decay(name)` selects. */
  weightDecay?: number;
  /** Which parameters decay (default: none). V-MoE decays kernels only. */
  decay?: (name: string) => boolean;
  /** Clip gradients to this global L2 norm (default: no clipping). */
  clipNorm?: number;
}

/**
 * Adam over a fixed set of named variables.
 * @example
 * ```ts
 * const opt = new Adam(model.namedParameters(), { clipNorm: 1 });
 * const { grads } = tf.variableGrads(() => loss());
 * opt.apply(grads, 7e-4);
 * ```
 */
export class Adam {
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  /** Number of updates applied so far (for the bias correction). */
  step = 0;
  private readonly opts: Required<Omit<AdamOptions, 'clipNorm'>> & { clipNorm?: number };

  constructor(
    private readonly params: Map<string, tf.Variable>,
    options: AdamOptions = {},
  ) {
    this.opts = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decay: () => false, ...options };
    for (const [name, p] of params) {
      if (!p.trainable) continue;
      // tidy frees the zeros each variable was copied from
      this.m.set(
        name,
        tf.tidy(() => tf.variable(tf.zerosLike(p), false)),
      );
      this.v.set(
        name,
        tf.tidy(() => tf.variable(tf.zerosLike(p), false)),
      );
    }
  }

  /**
   * Applies one update from gradients keyed by tfjs variable name (as `tf.variableGrads` returns them) and returns
   * the global gradient norm before clipping (a scalar tensor the caller disposes).
   */
  apply(grads: tf.NamedTensorMap, lr: number): tf.Scalar {
    this.step++;
    const { beta1, beta2, eps, weightDecay, decay, clipNorm } = this.opts;
    return tf.tidy(() => {
      const named = [...this.m.keys()].map((name) => {
        const p = this.params.get(name)!;
        return { name, p, g: grads[p.name] };
      });
      const present = named.filter((e): e is typeof e & { g: tf.Tensor } => e.g !== undefined);
      const norm = tf.sqrt(squaredNorm(present.map((e) => e.g))) as tf.Scalar;
      const scale =
        clipNorm === undefined ? undefined : (tf.minimum(1, tf.div(clipNorm, tf.add(norm, 1e-6))) as tf.Scalar);
      for (const { name, p, g } of present) {
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        // one fused pass per parameter on wasm (see @momentum-smoe/core adamStep)
        const wd = weightDecay > 0 && decay(name) ? weightDecay : 0;
        const next = adamStep(p, g, m, v, {
          lr,
          beta1,
          beta2,
          eps,
          step: this.step,
          weightDecay: wd,
          gradScale: scale,
        });
        m.assign(next.m);
        v.assign(next.v);
        p.assign(next.param);
      }
      return tf.keep(norm);
    });
  }

  /** The moments as plain data, named `<param>.exp_avg` and `<param>.exp_avg_sq` (PyTorch's names). */
  async state(): Promise<Map<string, TensorData>> {
    const out = new Map<string, TensorData>();
    for (const [name, m] of this.m) {
      const v = this.v.get(name)!;
      out.set(`${name}.exp_avg`, { dtype: 'float32', shape: m.shape, data: (await m.data()) as Float32Array });
      out.set(`${name}.exp_avg_sq`, { dtype: 'float32', shape: v.shape, data: (await v.data()) as Float32Array });
    }
    return out;
  }

  /** Restores moments saved by {@link Adam.state}; every moment must be present with the right shape. */
  load(state: Map<string, TensorData>, step: number): void {
    const problems: string[] = [];
    for (const [name, m] of this.m) {
      for (const [suffix, target] of [
        ['exp_avg', m],
        ['exp_avg_sq', this.v.get(name)!],
      ] as const) {
        const t = state.get(`${name}.${suffix}`);
        if (!t) problems.push(`missing ${name}.${suffix}`);
        else if (t.shape.join() !== target.shape.join())
          problems.push(`${name}.${suffix}: shape [${t.shape}] ≠ [${target.shape}]`);
        else tf.tidy(() => target.assign(tf.tensor(t.data, t.shape, 'float32')));
      }
    }
    if (problems.length) throw new Error(`optimizer state does not match the model: ${problems.join('; ')}`);
    this.step = step;
  }

  /** Frees the moment buffers. */
  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}
