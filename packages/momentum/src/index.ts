/**
 * `@momentum-smoe/momentum`: residual rules that read one residual step of a MoE layer as one optimiser step along
 * depth (SMoE = gradient descent, MomentumSMoE = heavy ball, AdamSMoE = Adam, Robust MomentumSMoE = robust
 * momentum), the official-code wirings the model zoo runs (each a paper rule plus its normalisation), and linear
 * stability diagnostics.
 * @packageDocumentation
 */
export type { ResidualRule, RuleState, ExpertFn, StepContext, StepResult, Wiring } from './rule.js';
export { ResidualRuleBase } from './rule.js';
export {
  Coefficient,
  isLearnable,
  rawParameterName,
  toUnconstrained,
  type CoefficientRange,
  type LearnableOption,
} from './coefficient.js';
export { PlainResidual, type PlainResidualOptions } from './plain-residual.js';
export { HeavyBall, type HeavyBallOptions } from './heavy-ball.js';
export { AdamRule, type AdamRuleOptions } from './adam-rule.js';
export {
  robustMomentumCoefficients,
  type RobustMomentumDesign,
  type RobustMomentumCoefficients,
} from './robust-params.js';
export { RobustMomentum } from './robust-momentum.js';
export { OfficialBaseline } from './official/baseline.js';
export { OfficialHeavyBall, type OfficialHeavyBallOptions } from './official/heavy-ball.js';
export { OfficialAdamFirst, type OfficialAdamFirstOptions } from './official/adam-first.js';
export { VMoEHeavyBall } from './official/vmoe-heavy-ball.js';
export { VMoERobustMomentum } from './official/vmoe-robust-momentum.js';
export { LMRobustMomentum } from './official/lm-robust-momentum.js';
export { iterationMatrix, spectralRadius, stability } from './stability.js';
export { dominantEigenvalues, type JacobianEigenOptions, type JacobianEigenEstimate } from './jacobian-eigen.js';
