/**
 * The contract every residual rule follows: one residual step of a MoE layer read as one optimiser step along depth.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, Module, ShapeError } from '@momentum-smoe/core';
import { Coefficient, rawParameterName, toUnconstrained, type CoefficientRange } from './coefficient.js';

/**
 * The state a rule carries from one MoE layer to the next (momentum buffers, second moments), by name. Each tensor
 * has the shape of `x`. It starts at zero for every block of tokens ({@link ResidualRule.initState}) and flows
 * through the layers with gradients: never detach it.
 */
export type RuleState = Record<string, tf.Tensor>;

/**
 * Evaluates the expert mixture (the MoE layer output, dropout included) at a point of the same shape as `x`.
 * A function rather than a value because robust momentum evaluates it at a look-ahead point.
 */
export type ExpertFn = (point: tf.Tensor) => tf.Tensor;

/** What a rule needs to know about the layer it is applied in. */
export interface StepContext {
  /** Position of this MoE layer in depth order, 0 for the first (rules such as AdamSMoE's act on layer 0 only). */
  layer: number;
  /**
   * The layer's normalisation (e.g. `LN_moe`, whose parameters live in the model at `layers.{i}.smoe.layer_norm`).
   * Used by the official-code wirings only; the paper-form rules ignore it.
   */
  norm?: (t: tf.Tensor) => tf.Tensor;
  /**
   * The pre-norm of a pre-LN block (V-MoE's `LN(x)` before the MoE): used by the V-MoE wirings, which evaluate the
   * experts at the normed input (plus a look-ahead) while the residual uses the raw input.
   */
  preNorm?: (t: tf.Tensor) => tf.Tensor;
}

/** The outcome of one step: the next representation and the state for the next MoE layer. */
export interface StepResult {
  /** The next representation, same shape as the input `x`. */
  x: tf.Tensor;
  /** The state handed to the next MoE layer. */
  state: RuleState;
}

/**
 * One residual step as an optimiser step along depth.
 *
 * Memory: the rule frees its own temporaries and those of `ctx.norm` / `ctx.preNorm`; what it returns, the point it
 * evaluates `f` at (when that is a new tensor) and what `f` creates belong to the caller's scope (run the forward pass
 * inside `tf.tidy` or a gradient function, as usual). Input state tensors are not disposed.
 */
export interface ResidualRule {
  /** A short name for logs and reports (`heavy-ball`, `adam`, ...). */
  readonly name: string;
  /** The zero state for a new block of tokens shaped like `x`. */
  initState(x: tf.Tensor): RuleState;
  /**
   * Applies the rule once: `x` is the layer input, `f` the expert mixture, `state` what the previous layer returned.
   */
  step(x: tf.Tensor, f: ExpertFn, state: RuleState, ctx: StepContext): StepResult;
}

/**
 * The normalisations a model's layer puts around a paper-form rule (the official code's wirings): the models run a
 * paper rule with one of these, never a second copy of its arithmetic. See
 * docs/paper-notes.md#the-language-model-backbone and #v-moe-blocks-and-momentum-wiring.
 */
export interface Wiring {
  /**
   * Apply `ctx.norm` to the rule's result: the language model's inner `LN_moe(…)`, or V-MoE's post-LayerNorm
   * (default false: the paper's equations have no norm).
   */
  norm?: boolean;
  /**
   * Evaluate the experts around `ctx.preNorm(x)` rather than `x` (look-ahead included), as V-MoE's pre-LN blocks do;
   * the residual still uses the raw `x` (default false).
   */
  preNorm?: boolean;
}

const NORM_WHAT =
  "the inner LayerNorm: layers.{i}.smoe.layer_norm in the language model, a block's post-LayerNorm in V-MoE";

/**
 * Common base of the rules in this package: a core `Module` (so learnable coefficients appear in
 * `namedParameters()` and a model can register the rule as a child) with helpers for state handling and for the
 * {@link Wiring} around the update.
 */
export abstract class ResidualRuleBase extends Module implements ResidualRule {
  abstract readonly name: string;
  /** Names of the state tensors this rule carries, each shaped like `x`. */
  protected abstract readonly stateKeys: readonly string[];
  /** The normalisations around the update (none for the paper's form). */
  readonly wiring: Readonly<Wiring>;

  /** @param wiring the normalisations a model's layer puts around the update (none: the paper's form). */
  constructor(wiring: Wiring = {}) {
    super();
    this.wiring = { norm: wiring.norm ?? false, preNorm: wiring.preNorm ?? false };
  }

  initState(x: tf.Tensor): RuleState {
    const state: RuleState = {};
    for (const key of this.stateKeys) state[key] = tf.zerosLike(x);
    return state;
  }

  abstract step(x: tf.Tensor, f: ExpertFn, state: RuleState, ctx: StepContext): StepResult;

  /** Reads a state tensor, failing with a message that names the fix when it is missing or mis-shaped. */
  protected stateTensor(state: RuleState, key: string, x: tf.Tensor): tf.Tensor {
    const t = state[key];
    if (t === undefined) {
      throw new ConfigError(
        `${this.name}: state has no '${key}' (got [${Object.keys(state).join(', ')}]); ` +
          'start each block with rule.initState(x)',
      );
    }
    if (t.shape.length !== x.shape.length || t.shape.some((d, i) => d !== x.shape[i])) {
      throw new ConfigError(
        `${this.name}: state '${key}' has shape [${t.shape.join(', ')}] but x has [${x.shape.join(', ')}]; ` +
          'the state must come from initState(x) of the same block',
      );
    }
    return t;
  }

  /**
   * Creates a coefficient: a fixed number, or (when `learnable`) a registered parameter named by
   * `rawParameterName(name, range)` that starts at `value`.
   */
  protected coefficient(name: string, value: number, range: CoefficientRange, learnable: boolean): Coefficient {
    if (!learnable) return Coefficient.fixed(name, value);
    Coefficient.checkLearnableStart(name, value, range);
    const raw = this.param(rawParameterName(name, range), tf.scalar(toUnconstrained(value, range)));
    return Coefficient.learned(name, raw, range);
  }

  /** Evaluates the expert mixture at `point` and checks that its output has the shape of `x`. */
  protected evaluate(f: ExpertFn, point: tf.Tensor, x: tf.Tensor): tf.Tensor {
    const out = f(point);
    if (out.shape.length !== x.shape.length || out.shape.some((d, i) => d !== x.shape[i])) {
      throw new ShapeError(`${this.name}: expert mixture output f(x)`, x.shape, out.shape);
    }
    return out;
  }

  /**
   * The point the experts are evaluated at: `x`, or `ctx.preNorm(x)` when wired so, plus `shift()` (a look-ahead)
   * when given. A new tensor unless it is `x` itself; temporaries are freed.
   */
  protected expertPoint(x: tf.Tensor, ctx: StepContext, shift?: () => tf.Tensor): tf.Tensor {
    const pre = this.wiring.preNorm
      ? this.requireNorm(ctx, 'preNorm', "the block's pre-LayerNorm, before the MoE")
      : null;
    if (pre === null && shift === undefined) return x;
    return tf.tidy(() => {
      const base = pre === null ? x : pre(x);
      return shift === undefined ? base : tf.add(base, shift());
    });
  }

  /** What the result goes through: `ctx.norm` when wired so, else nothing. Call before computing (it throws early). */
  protected finish(ctx: StepContext): (t: tf.Tensor) => tf.Tensor {
    return this.wiring.norm ? this.requireNorm(ctx, 'norm', NORM_WHAT) : (t) => t;
  }

  /** Returns `ctx[field]`, or throws naming the rule and what the model must pass. */
  protected requireNorm(ctx: StepContext, field: 'norm' | 'preNorm', what: string): (t: tf.Tensor) => tf.Tensor {
    const fn = ctx[field];
    if (fn === undefined) throw new ConfigError(`${this.name}: ctx.${field} is required (${what})`);
    return fn;
  }
}
