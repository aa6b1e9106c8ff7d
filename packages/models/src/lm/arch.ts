/**
 * The official architecture string, parsed into one {@link LayerSpec} per layer.
 * @module
 */
import { ConfigError } from '@momentum-smoe/core';

/**
 * What follows the attention sublayer in a layer: `g` SMoE, `m` MomentumSMoE (heavy ball), `a` AdamSMoE,
 * `r` Robust MomentumSMoE (our extension: Cyrus et al.'s robust momentum in an LM layer; not in the official code),
 * `f` dense feed-forward (GLaM's second layer of each pair).
 */
export type SublayerKind = 'g' | 'm' | 'a' | 'r' | 'f';

/** One layer of the stack: attention, then one sublayer. */
export interface LayerSpec {
  /** The layer's index in `layers.{i}` (and in its diagnostics, `LmLayerReport.layer`). */
  layer: number;
  /** The sublayer after attention. */
  sublayer: SublayerKind;
  /**
   * The position of this layer's MoE among the MoE layers, 0 for the first: the official `layerth` (the pair index
   * for `glam`, so a dense `f` layer has its pair's), handed to the residual rule as `StepContext.layer`. AdamSMoE
   * applies Adam only where it is 0.
   */
  moeLayer: number;
}

/**
 * Parses an official architecture string into one {@link LayerSpec} per layer. `transformer`: 2 characters per layer,
 * `s` then one of `g m a r`. `glam`: 4 characters per pair, `s` + one of `g m a r`, then `s` + `f`.
 * Mixing two different momentum kinds (`m`, `a`, `r`) is rejected: their states differ (the official code would
 * crash on it); `g` layers mix with any of them and pass the state on unchanged.
 * @example
 * ```ts
 * parseArch('glam', 'smsf', 1); // [{ layer: 0, sublayer: 'm', moeLayer: 0 }, { layer: 1, sublayer: 'f', moeLayer: 0 }]
 * ```
 */
export function parseArch(base: 'transformer' | 'glam', arch: string, layers: number): LayerSpec[] {
  const per = base === 'glam' ? 4 : 2;
  const unit = base === 'glam' ? 'pair' : 'layer';
  if (arch.length !== per * layers) {
    throw new ConfigError(
      `architecture '${arch}' has ${arch.length} characters but base '${base}' with layers=${layers} needs ` +
        `${per * layers} (${per} per ${unit}); fix 'arch' or 'layers'`,
    );
  }
  const bad = (pos: number, expected: string) =>
    new ConfigError(
      `architecture '${arch}': bad character '${arch[pos]}' at position ${pos} (${unit} ${Math.floor(pos / per)}); ` +
        `expected ${expected}`,
    );
  const specs: LayerSpec[] = [];
  for (let i = 0; i < layers; i++) {
    const at = per * i;
    if (arch[at] !== 's') throw bad(at, "'s' (attention)");
    const moe = arch[at + 1]!;
    if (!'gmar'.includes(moe))
      throw bad(at + 1, "one of 'g' (SMoE), 'm' (Momentum), 'a' (Adam), 'r' (Robust momentum)");
    specs.push({ layer: specs.length, sublayer: moe as SublayerKind, moeLayer: i });
    if (base === 'glam') {
      if (arch[at + 2] !== 's') throw bad(at + 2, "'s' (attention)");
      if (arch[at + 3] !== 'f') throw bad(at + 3, "'f' (dense feed-forward)");
      specs.push({ layer: specs.length, sublayer: 'f', moeLayer: i });
    }
  }
  const kinds = new Set(specs.map((s) => s.sublayer).filter((k) => k === 'm' || k === 'a' || k === 'r'));
  if (kinds.size > 1) {
    throw new ConfigError(`architecture '${arch}' mixes momentum kinds ${[...kinds].join(', ')}; use one of them`);
  }
  return specs;
}
