/**
 * `@momentum-smoe/experts`: expert banks and truly sparse MoE layers for TensorFlow.js. A router's plan says who
 * goes where; {@link ExpertBank} computes; {@link MoELayer} ties them together (dropless, capacity, expert-choice
 * and soft dispatch); {@link MoETfLayer} drops an MoE layer into `tf.sequential` / `tf.model`.
 * @packageDocumentation
 */
export { ExpertBank, type ExpertBankOptions, type ExpertActivation, type ExpertInit } from './expert-bank.js';
export { MoELayer, runMoE, checkMoEPair, type MoEApplyOptions, type MoEOutput } from './moe-layer.js';
export { applyPlan, assertTokens } from './apply-plan.js';
export { MoETfLayer, type MoETfLayerArgs } from './tf-layer.js';
