/**
 * The official code's AdamSMoE wiring (architecture letter `a`): Adam in the first MoE layer, heavy ball after it.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '@momentum-smoe/core';
import { AdamRule } from '../adam-rule.js';
import { ResidualRuleBase, type ExpertFn, type RuleState, type StepContext, type StepResult } from '../rule.js';
import { OfficialHeavyBall } from './heavy-ball.js';

/** Options of {@link OfficialAdamFirst}; defaults are the AdamSMoE-medium script values. */
export interface OfficialAdamFirstOptions {
  /** Heavy-ball momentum μ of the shared buffer (default 0.7). */
  mu?: number;
  /** Adam step γ1 (default 1; AdamGLaM-medium uses 0.8). */
  gamma1?: number;
  /** Heavy-ball step γ2 (default 1). */
  gamma2?: number;
  /** First-moment decay β1 (default 0.9). */
  beta1?: number;
  /** Second-moment decay β2 (default 0.999). */
  beta2?: number;
  /** ε inside the square root (default 1e−8). */
  eps?: number;
}

/**
 * AdamSMoE exactly as the official code wires it (docs/paper-notes.md#adam-in-layer-0): two paper rules composed, in
 * the inner LayerNorm `ctx.norm`. State `{ p, v, mom }`. In the first MoE layer (`ctx.layer === 0`), {@link AdamRule}
 * without its residual, while the heavy-ball buffer is updated too:
 *
 *     mom = μ mom + γ2 f          (so mom = γ2 f0)
 *     p   = β1 p + (1 − β1) f
 *     v   = β2 v + (1 − β2) f²
 *     out = LN_moe(x − (γ1 p / √(v + ε) + x)) = LN_moe(−γ1 p / √(v + ε))
 *
 * The input cancels: the sublayer has no inner residual at layer 0 (only the model's outer `LN2(x + out)` keeps a
 * skip path); it is computed in the cancelled form. In every later layer, {@link OfficialHeavyBall} on the shared
 * buffer (so layer 1 sees mom = μ γ2 f0 + γ2 f1), p and v passed through:
 *
 *     mom = μ mom + γ2 f;   out = LN_moe(x − mom)
 * @example
 * ```ts
 * const rule = new OfficialAdamFirst({ gamma1: 1, gamma2: 1, mu: 0.7 });
 * ```
 */
export class OfficialAdamFirst extends ResidualRuleBase {
  readonly name = 'official-adam-first';
  protected readonly stateKeys = ['p', 'v', 'mom'] as const;
  /** The coefficients in use. */
  readonly options: Required<OfficialAdamFirstOptions>;
  /** Layer 0's rule: Adam (μ = β1, β = β2, γ = γ1) without the residual. */
  readonly adam: AdamRule;
  /** The rule of every later layer, whose buffer `m` is carried here as `mom`. */
  readonly heavyBall: OfficialHeavyBall;

  constructor(options: OfficialAdamFirstOptions = {}) {
    super({ norm: true });
    this.options = { mu: 0.7, gamma1: 1, gamma2: 1, beta1: 0.9, beta2: 0.999, eps: 1e-8, ...options };
    for (const [k, v] of Object.entries(this.options)) {
      if (!Number.isFinite(v)) throw new ConfigError(`OfficialAdamFirst: ${k} must be a finite number, got ${v}`);
    }
    const { mu, gamma1, gamma2, beta1, beta2, eps } = this.options;
    const adam = new AdamRule({ mu: beta1, beta: beta2, gamma: gamma1, eps, residual: false }, { norm: true });
    this.adam = this.child('adam', adam);
    this.heavyBall = this.child('heavyBall', new OfficialHeavyBall({ mu, gamma: gamma2 }));
  }

  // x: [..., d] -> out: [..., d]; state: { p, v, mom: [..., d] }
  step(x: tf.Tensor, f: ExpertFn, state: RuleState, ctx: StepContext): StepResult {
    const finish = this.finish(ctx);
    const pPrev = this.stateTensor(state, 'p', x);
    const vPrev = this.stateTensor(state, 'v', x);
    const momPrev = this.stateTensor(state, 'mom', x);
    if (ctx.layer >= 1) {
      const { x: out, state: next } = this.heavyBall.step(x, f, { m: momPrev }, ctx);
      return { x: out, state: { p: pPrev, v: vPrev, mom: next.m! } };
    }
    const fx = this.evaluate(f, x, x);
    const [out, p, v, mom] = tf.tidy(() => {
      const mom = this.heavyBall.advance(momPrev, fx);
      const [p, v] = this.adam.moments(pPrev, vPrev, fx);
      return [finish(this.adam.move(x, p, v)), p, v, mom];
    });
    return { x: out, state: { p: p, v: v, mom: mom } };
  }
}
