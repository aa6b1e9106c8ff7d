/**
 * Which residual rule each architecture letter uses: the official-code wirings from `@momentum-smoe/momentum`.
 * @module
 */
import {
  LMRobustMomentum,
  OfficialAdamFirst,
  OfficialBaseline,
  OfficialHeavyBall,
  type ResidualRule,
} from '@momentum-smoe/momentum';
import type { LmConfig } from './config.js';
import type { LayerSpec, SublayerKind } from './arch.js';

/** The rules of one model: one per letter, and the one whose state threads through depth. */
export interface ModelRules {
  /** The rule for an MoE letter (`g m a r`), null for a dense `f` layer. */
  ruleFor(kind: SublayerKind): ResidualRule | null;
  /** The momentum rule if the architecture has one (`m`, `a` or `r`; at most one kind), else the baseline. */
  stateRule: ResidualRule;
}

/**
 * `g` → `OfficialBaseline` `LN_moe(x + f)`; `m` → `OfficialHeavyBall` (μ = `mu`, γ = `gamma2`);
 * `a` → `OfficialAdamFirst` (Adam where `moeLayer` is 0, heavy ball after); `r` → `LMRobustMomentum`
 * (κ = `kappa`, ρ = `rho`, L = 1; our extension).
 */
export function modelRules(specs: readonly LayerSpec[], config: LmConfig): ModelRules {
  const { mu, gamma1, gamma2, beta1, beta2, kappa, rho } = config;
  const baseline = new OfficialBaseline();
  const kinds = new Set(specs.map((s) => s.sublayer));
  const momentum: Partial<Record<SublayerKind, ResidualRule>> = {};
  if (kinds.has('m')) momentum.m = new OfficialHeavyBall({ mu, gamma: gamma2 });
  if (kinds.has('a')) momentum.a = new OfficialAdamFirst({ mu, gamma1, gamma2, beta1, beta2 });
  if (kinds.has('r')) momentum.r = new LMRobustMomentum({ kappa, rho, L: 1 });
  const stateRule = Object.values(momentum)[0] ?? baseline;
  return {
    ruleFor: (kind) => (kind === 'f' ? null : kind === 'g' ? baseline : momentum[kind]!),
    stateRule,
  };
}
