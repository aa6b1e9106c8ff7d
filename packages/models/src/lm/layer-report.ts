/**
 * Per-layer routing and momentum diagnostics of a language-model block, as tensors (no host sync in the forward
 * pass) and as plain numbers for logging.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import type { RoutingMetrics } from '@momentum-smoe/routers';
import type { RuleState } from '@momentum-smoe/momentum';

/**
 * Diagnostics of one MoE layer for one block, returned by `SmoeLanguageModel.forward` and
 * `SmoeLanguageModel.loss`. The caller owns the tensors: free them with {@link disposeLayerReports}, read them
 * with {@link readLayerReports}, or inside a gradient scope (`opt.minimize`, `tf.variableGrads`) take them out with
 * {@link keepLayerReports}, or they are freed with the scope. (A type alias, not an interface, so that it can be
 * returned from `tf.tidy`.)
 */
export type LmLayerReport = {
  /** The layer's index in `layers.{i}` (dense `f` layers have no report, so indices may skip). */
  layer: number;
  /** Kept (token, slot) assignments per expert, summed over the experts' evaluations in this layer: [E]. */
  tokensPerExpert: tf.Tensor1D;
  /** Mean entropy of the router distribution in nats, averaged over the evaluations: scalar. */
  routingEntropy: tf.Scalar;
  /** Fraction of assignments dropped by capacity, averaged over the evaluations (0 for the dropless gate): scalar. */
  dropRate: tf.Scalar;
  /**
   * Root mean square of the state this layer's residual rule returns, over all its state tensors together
   * (`m` for heavy ball; `p`, `v`, `mom` for AdamSMoE; `moment` for robust momentum); 0 for the plain rule of
   * `g` layers, which carries no state: scalar.
   */
  stateNorm: tf.Scalar;
};

/** One {@link LmLayerReport} as plain numbers. */
export interface LmLayerValues {
  /** The layer's index in `layers.{i}`. */
  layer: number;
  /** Kept assignments per expert. */
  tokensPerExpert: number[];
  /** Mean routing entropy in nats. */
  routingEntropy: number;
  /** Fraction of assignments dropped. */
  dropRate: number;
  /** RMS of the residual rule's state after the layer. */
  stateNorm: number;
}

/**
 * Builds a layer's report from the routing metrics of each evaluation of its experts and the rule's output state.
 * Call inside the forward pass's scope; the report's tensors are new (the metrics may be reused as they are).
 */
export function buildLayerReport(layer: number, metrics: readonly RoutingMetrics[], state: RuleState): LmLayerReport {
  const first = metrics[0];
  if (first === undefined) throw new Error(`layer ${layer}: the residual rule never evaluated the experts`);
  const mean = (pick: (m: RoutingMetrics) => tf.Scalar): tf.Scalar =>
    metrics.length === 1 ? pick(first) : (tf.div(tf.addN(metrics.map(pick)), metrics.length) as tf.Scalar);
  const states = Object.values(state);
  const size = states.reduce((n, t) => n + t.size, 0);
  return {
    layer,
    tokensPerExpert:
      metrics.length === 1 ? first.tokensPerExpert : (tf.addN(metrics.map((m) => m.tokensPerExpert)) as tf.Tensor1D),
    routingEntropy: mean((m) => m.routingEntropy),
    dropRate: mean((m) => m.dropRate),
    stateNorm:
      size === 0
        ? tf.scalar(0)
        : tf.tidy(() => tf.sqrt(tf.div(tf.addN(states.map((t) => tf.sum(tf.square(t)))), size)) as tf.Scalar),
  };
}

/**
 * Frees every tensor of `reports`.
 * @example
 * ```ts
 * const out = model.forward(ids, cache);
 * disposeLayerReports(out.layers);
 * ```
 */
export function disposeLayerReports(reports: readonly LmLayerReport[]): void {
  for (const r of reports) tf.dispose([r.tokensPerExpert, r.routingEntropy, r.dropRate, r.stateNorm]);
}

/**
 * Marks every tensor of `reports` with `tf.keep`, so that they outlive the enclosing `tf.tidy` or gradient scope
 * (then free them with {@link disposeLayerReports}). Returns `reports`.
 * @example
 * ```ts
 * let reports: LmLayerReport[] = [];
 * opt.minimize(() => {
 *   const out = model.loss(x, y, cache);
 *   reports = keepLayerReports(out.layers);
 *   return out.loss;
 * });
 * const values = await readLayerReports(reports);
 * disposeLayerReports(reports);
 * ```
 */
export function keepLayerReports<R extends readonly LmLayerReport[]>(reports: R): R {
  for (const r of reports) for (const t of [r.tokensPerExpert, r.routingEntropy, r.dropRate, r.stateNorm]) tf.keep(t);
  return reports;
}

/**
 * Reads `reports` to plain numbers (a host sync: for logging, not for the hot path). Does not free them.
 * @example
 * ```ts
 * const values = await readLayerReports(out.layers);
 * for (const v of values) console.log(v.layer, v.tokensPerExpert, v.routingEntropy, v.stateNorm);
 * ```
 */
export async function readLayerReports(reports: readonly LmLayerReport[]): Promise<LmLayerValues[]> {
  return Promise.all(
    reports.map(async (r) => {
      const [perExpert, entropy, drop, norm] = await Promise.all([
        r.tokensPerExpert.data(),
        r.routingEntropy.data(),
        r.dropRate.data(),
        r.stateNorm.data(),
      ]);
      return {
        layer: r.layer,
        tokensPerExpert: Array.from(perExpert),
        routingEntropy: entropy[0]!,
        dropRate: drop[0]!,
        stateNorm: norm[0]!,
      };
    }),
  );
}
