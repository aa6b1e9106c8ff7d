/**
 * The official MoE sublayer (`CustomizedMoEPositionwiseFF`, `…MoM`, `…Adam`): gate + experts + output dropout, with
 * its own residual and LayerNorm applied by a residual rule from `@momentum-smoe/momentum`.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { Module, type Rng } from '@momentum-smoe/core';
import { TopKRouter, type RoutingMetrics } from '@momentum-smoe/routers';
import { ExpertBank, runMoE } from '@momentum-smoe/experts';
import type { ResidualRule, RuleState } from '@momentum-smoe/momentum';
import { LayerNorm } from '../nn/layer-norm.js';
import { dropout } from '../nn/dropout.js';

/** Options of {@link MoeSublayer}. */
export interface MoeSublayerOptions {
  /** Model width H. */
  dModel: number;
  /** Expert hidden width. */
  dHidden: number;
  /** Experts E. */
  experts: number;
  /** Experts per token k. */
  topK: number;
  /** Dropout in the expert hidden layer and on the MoE output. */
  dropout: number;
  /** Weight of the router's balance loss in `auxLoss` (0 in the official runs). */
  loadBalance: number;
  /** How the expert output joins the input (plain residual, heavy ball, Adam, robust momentum). */
  rule: ResidualRule;
  /** Seeded generator for weights and dropout. */
  rng: Rng;
}

/** What one MoE sublayer returns. */
export interface MoeSublayerOutput {
  /** The sublayer output s (before the enclosing layer's `norm2(h1 + s)`): [B, M, H]. */
  out: tf.Tensor3D;
  /** The rule state for the next MoE layer. */
  state: RuleState;
  /** The router's weighted auxiliary loss, summed over every evaluation of the experts (scalar). */
  auxLoss: tf.Scalar;
  /** The router's metrics of each evaluation of the experts, in order (one for every official rule). */
  metrics: RoutingMetrics[];
}

/**
 * PyTorch names: `gate.gate.{weight,bias}` (the router), `experts.htoh4.*` and `experts.h4toh.*` (the expert bank),
 * `layer_norm.*` (`LN_moe`). The expert mixture is `f(x) = Dropout(SMoE(x))`; the rule then computes, for the
 * official wirings, `LN_moe(x + f)` (SMoE), `LN_moe(x − m)` (MomentumSMoE), and so on.
 */
export class MoeSublayer extends Module {
  /** The SMoE gate (official `gate`, whose linear layer is `gate.gate`). */
  readonly gate: TopKRouter;
  /** The stacked experts (official `experts.htoh4` / `experts.h4toh`). */
  readonly experts: ExpertBank;
  /** `LN_moe`, the sublayer's own LayerNorm. */
  readonly layer_norm: LayerNorm;

  constructor(private readonly options: MoeSublayerOptions) {
    super();
    const { dModel, dHidden, experts, topK, rng } = options;
    const lossWeights = { balance: options.loadBalance };
    this.gate = this.child('gate', new TopKRouter({ dModel, experts, topK, rng, lossWeights }));
    const bank = new ExpertBank({
      experts,
      dIn: dModel,
      dHidden,
      activation: 'relu',
      dropout: options.dropout,
      init: 'fastmoe',
      rng,
    });
    this.experts = this.child('experts', bank);
    this.layer_norm = this.child('layer_norm', new LayerNorm(dModel));
  }

  /**
   * h: [B, M, H], the state from the previous MoE layer, and this layer's position among the MoE layers (the
   * official `layerth`, the rule's `StepContext.layer`) → s: [B, M, H].
   */
  apply(h: tf.Tensor3D, state: RuleState, moeLayer: number): MoeSublayerOutput {
    const [b, m, dModel] = h.shape;
    const auxLosses: tf.Scalar[] = [];
    const metrics: RoutingMetrics[] = [];
    // The expert mixture at any point shaped like h (robust momentum evaluates it at a look-ahead point).
    const f = (point: tf.Tensor): tf.Tensor => {
      const tokens = tf.reshape(point, [b * m, dModel]) as tf.Tensor2D; // [B·M, H]
      const { y, plan } = runMoE(this.gate, this.experts, tokens); // y: [B·M, H]
      auxLosses.push(plan.auxLoss);
      metrics.push(plan.metrics);
      return dropout(tf.reshape(y, [b, m, dModel]), this.options.dropout, this.training, this.options.rng);
    };
    const norm = (t: tf.Tensor) => this.layer_norm.apply(t);
    const result = this.options.rule.step(h, f, state, { layer: moeLayer, norm });
    const auxLoss = auxLosses.length === 0 ? tf.scalar(0) : (tf.addN(auxLosses) as tf.Scalar);
    return { out: result.x as tf.Tensor3D, state: result.state, auxLoss, metrics };
  }
}
