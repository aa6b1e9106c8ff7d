/**
 * A tfjs-layers adapter: an MoE layer (TopKRouter + ExpertBank) usable in `tf.sequential` / `tf.model`, trained by
 * `model.fit`, saved by `model.toJSON` / `model.save` and restored by `tf.models.modelFromJSON` / `tf.loadLayersModel`.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, Rng } from '@momentum-smoe/core';
import { TopKRouter } from '@momentum-smoe/routers';
import { ExpertBank, type ExpertActivation, type ExpertInit } from './expert-bank.js';
import { MoELayer } from './moe-layer.js';

/** Configuration of {@link MoETfLayer} (JSON-serialisable; it is the layer's `getConfig`). */
export interface MoETfLayerArgs {
  /** Number of experts E. */
  experts: number;
  /** Experts per token k. */
  topK: number;
  /** Hidden width of each expert. */
  dHidden: number;
  /** Expert activation; default `relu`. */
  activation?: ExpertActivation;
  /** Expert hidden dropout; default 0. */
  dropout?: number;
  /** Expert init; default `fastmoe`. */
  init?: ExpertInit;
  /** Weight of the router's balance loss in `auxLoss` (added through `addLoss`); default 0. */
  balanceLoss?: number;
  /** Seed of the initial weights and dropout; default 0. */
  seed?: number;
  /** Layer name, as every tfjs layer. */
  name?: string;
  /** Input shape of a first layer, as every tfjs layer (`[d]` or `[sequence, d]`). */
  inputShape?: number[];
}

/** Wraps a parameter of a {@link Module}-based layer so tfjs-layers trains, saves and loads it in place. */
class ModuleWeight extends tf.LayerVariable {
  constructor(v: tf.Variable, name: string) {
    super(v, 'float32', name, true);
    // LayerVariable copies its initial value into a new variable; point it back at the module's own variable.
    (this as unknown as { val: tf.Variable }).val.dispose();
    (this as unknown as { val: tf.Variable }).val = v;
  }
}

/**
 * An MoE feed-forward layer (output width = input width d) for `tf.sequential` / `tf.model`. Inputs `[batch, d]` or
 * `[batch, …, d]`: every position is a token. The router's `auxLoss` is added to the model loss through `addLoss`.
 * @example
 * ```ts
 * const model = tf.sequential({ layers: [new MoETfLayer({ experts: 4, topK: 2, dHidden: 32, inputShape: [16] })] });
 * model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
 * await model.fit(xs, ys, { epochs: 2 });
 * ```
 */
export class MoETfLayer extends tf.layers.Layer {
  /** The name tfjs serialisation registers this class under. */
  static readonly className = 'MomentumSmoeMoE';
  private readonly args: Omit<MoETfLayerArgs, 'name' | 'inputShape'>;
  private moe: MoELayer | null = null;
  private lastAuxLoss: tf.Scalar | null = null;

  constructor(args: MoETfLayerArgs) {
    super(args);
    if (!(args.topK >= 1 && args.topK <= args.experts))
      throw new ConfigError(`MoETfLayer: topK must be in [1, experts=${args.experts}], got ${args.topK}`);
    const { name: _name, inputShape: _shape, ...own } = args;
    this.args = own;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const d = shape.at(-1);
    if (typeof d !== 'number')
      throw new ConfigError(
        'MoETfLayer: the last input dimension (d) must be known: give the first layer an inputShape',
      );
    const {
      experts,
      topK,
      dHidden,
      activation = 'relu',
      dropout = 0,
      init = 'fastmoe',
      balanceLoss = 0,
      seed = 0,
    } = this.args;
    const rng = new Rng(seed);
    this.moe = new MoELayer(
      new TopKRouter({ dModel: d, experts, topK, rng, lossWeights: { balance: balanceLoss } }),
      new ExpertBank({ experts, dIn: d, dHidden, activation, dropout, init, rng }),
    );
    for (const [name, v] of this.moe.namedParameters())
      this._trainableWeights.push(new ModuleWeight(v, `${this.name}/${name}`));
    // Called by model.fit after the forward pass of the same step, inside the same gradient scope.
    this.addLoss(() => (this.lastAuxLoss && !this.lastAuxLoss.isDisposed ? this.lastAuxLoss : tf.scalar(0)));
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    // x: [batch, …, d] -> tokens [T, d] -> y: [batch, …, d]
    const moe = this.moe!;
    moe.train(kwargs.training === true);
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const d = x.shape.at(-1)!;
    const { y, plan } = moe.apply(tf.reshape(x, [-1, d]) as tf.Tensor2D);
    this.lastAuxLoss = plan.auxLoss; // the plan's tensors live in the caller's scope (model.fit / predict tidy them)
    return tf.reshape(y, x.shape);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.args };
  }
}

tf.serialization.registerClass(MoETfLayer);
