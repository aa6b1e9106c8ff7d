/**
 * An MoE MLP over image tokens, routed per group of images as V-MoE does: the tokens of `groupSize` consecutive
 * images form one routing group (capacity, aux losses and batch priority are per group).
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { Module, assertShape } from '@momentum-smoe/core';
import type { MoELayer } from '@momentum-smoe/experts';
import type { RoutingMetrics } from '@momentum-smoe/routers';

/** What one MoE block reports: the group-averaged losses and routing statistics. */
export interface BlockRouting {
  /** Encoder block index. */
  block: number;
  /** Σ weight·loss, averaged over routing groups (scalar, differentiable). */
  auxLoss: tf.Scalar;
  /** Unweighted named losses, averaged over routing groups. */
  losses: Record<string, tf.Scalar>;
  /**
   * `tokensPerExpert` summed over groups (`maxLoad`, `meanLoad` from that sum); `routingEntropy` and `dropRate`
   * image-weighted means over groups.
   */
  metrics: RoutingMetrics;
  /** Per-expert capacity of the first group (token-choice routers with a capacity), else `null`. */
  capacity: number | null;
}

/**
 * Splits `[B, N, d]` into groups of `groupSize` images (the last group may be smaller), runs the MoE layer on each
 * group's `[groupSize·N, d]` tokens and puts the outputs back in order.
 * @example
 * ```ts
 * const moe = new GroupedMoE(new MoELayer(router, bank), 8, 3);
 * const { y, routing } = moe.apply(x); // x, y: [B, N, d]
 * ```
 */
export class GroupedMoE extends Module {
  readonly layer: MoELayer;

  /** @param groupSize images per routing group; @param block this block's index, for the report. */
  constructor(
    layer: MoELayer,
    readonly groupSize: number,
    readonly block: number,
  ) {
    super();
    this.layer = this.child('moe', layer);
  }

  /** `x: [B, N, d] → y: [B, N, d]`, plus the block's routing report. */
  apply(x: tf.Tensor3D): { y: tf.Tensor3D; routing: BlockRouting } {
    assertShape(x, [null, null, null], 'GroupedMoE input x');
    const [b, n, d] = x.shape;
    return tf.tidy(() => {
      const outs: tf.Tensor2D[] = [];
      const auxes: tf.Scalar[] = [];
      const losses: Record<string, tf.Scalar[]> = {};
      const counts: tf.Tensor1D[] = [];
      const entropy: tf.Scalar[] = [];
      const drop: tf.Scalar[] = [];
      const share: number[] = [];
      let capacity: number | null = null;
      for (let start = 0; start < b; start += this.groupSize) {
        const images = Math.min(this.groupSize, b - start);
        const group = tf.slice(x, [start, 0, 0], [images, n, d]); // [G, N, d]
        const tokens = tf.reshape(group, [images * n, d]) as tf.Tensor2D; // [G·N, d]
        const { y, plan } = this.layer.apply(tokens);
        outs.push(y as tf.Tensor2D);
        auxes.push(plan.auxLoss);
        for (const [k, v] of Object.entries(plan.losses)) (losses[k] ??= []).push(v);
        counts.push(plan.metrics.tokensPerExpert);
        entropy.push(plan.metrics.routingEntropy);
        drop.push(plan.metrics.dropRate);
        share.push(images / b);
        if (start === 0 && plan.kind !== 'soft') capacity = plan.capacity;
      }
      const mean = (xs: tf.Scalar[]) => tf.div(tf.addN(xs), xs.length) as tf.Scalar;
      const weighted = (xs: tf.Scalar[]) => tf.addN(xs.map((v, i) => tf.mul(v, share[i]!))) as tf.Scalar;
      const perExpert = tf.addN(counts); // [E]
      const routing: BlockRouting = {
        block: this.block,
        auxLoss: mean(auxes),
        losses: Object.fromEntries(Object.entries(losses).map(([k, v]) => [k, mean(v)])),
        metrics: {
          tokensPerExpert: perExpert,
          routingEntropy: weighted(entropy),
          dropRate: weighted(drop),
          maxLoad: tf.max(perExpert),
          meanLoad: tf.mean(perExpert),
        },
        capacity,
      };
      const y = tf.reshape(outs.length === 1 ? outs[0]! : tf.concat(outs, 0), [b, n, d]) as tf.Tensor3D;
      return { y, routing } as unknown as tf.TensorContainer;
    }) as unknown as { y: tf.Tensor3D; routing: BlockRouting };
  }
}
