/**
 * A minimal parameter container, in the spirit of `torch.nn.Module`: parameters and child modules are registered by
 * name, so a model's parameters have stable dotted names (`layers.0.smoe.gate.gate.weight`) for checkpoints.
 * @module
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Base class of every layer. Subclasses register parameters with {@link Module.param} and children with
 * {@link Module.child} in their constructor.
 * @example
 * ```ts
 * class Affine extends Module {
 *   readonly w = this.param('weight', tf.ones([4, 4]));
 *   apply(x: tf.Tensor2D) { return tf.matMul(x, this.w); }
 * }
 * const a = new Affine();
 * [...a.namedParameters().keys()]; // ['weight']
 * ```
 */
export abstract class Module {
  private readonly ownParams = new Map<string, tf.Variable>();
  private readonly children = new Map<string, Module>();
  /** Training mode: dropout, noise and capacity factors follow it. Set it with {@link Module.train}. */
  training = true;

  /** Registers `init` as a variable named `name` (the tensor is consumed). */
  protected param<R extends tf.Rank>(name: string, init: tf.Tensor<R>, trainable = true): tf.Variable<R> {
    if (this.ownParams.has(name) || this.children.has(name)) throw new Error(`duplicate parameter name '${name}'`);
    const v = tf.variable(init, trainable);
    init.dispose();
    this.ownParams.set(name, v as tf.Variable);
    return v;
  }

  /** Registers a child module under `name` and returns it. */
  protected child<M extends Module>(name: string, module: M): M {
    if (this.ownParams.has(name) || this.children.has(name)) throw new Error(`duplicate child name '${name}'`);
    this.children.set(name, module);
    return module;
  }

  /** Every parameter of this module and its descendants, by dotted name, in registration order. */
  namedParameters(prefix = ''): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    for (const [n, v] of this.ownParams) out.set(prefix + n, v);
    for (const [n, c] of this.children) for (const [k, v] of c.namedParameters(`${prefix}${n}.`)) out.set(k, v);
    return out;
  }

  /** The trainable parameters, for an optimiser's `varList`. */
  trainableParameters(): tf.Variable[] {
    return [...this.namedParameters().values()].filter((v) => v.trainable);
  }

  /** Total number of scalar parameters. */
  parameterCount(): number {
    let n = 0;
    for (const v of this.namedParameters().values()) n += v.size;
    return n;
  }

  /** Sets training (`true`) or evaluation (`false`) mode here and in every descendant. */
  train(on = true): this {
    this.training = on;
    for (const c of this.children.values()) c.train(on);
    return this;
  }

  /** Frees every parameter's memory. */
  dispose(): void {
    for (const v of this.ownParams.values()) v.dispose();
    for (const c of this.children.values()) c.dispose();
  }
}
