import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@momentum-smoe/core';
import { importanceLoss, loadLoss, routerZLoss, smoeBalanceLoss, switchBalanceLoss } from '@momentum-smoe/routers';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

// Two tokens, three experts; the second token is padding when masked.
const probs = [
  [0.5, 0.3, 0.2],
  [0.1, 0.6, 0.3],
];
const indices = [
  [0, 1],
  [1, 2],
];
const value = (f: () => tf.Scalar) => {
  const t = f();
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
};

describe('auxiliary losses equal hand-computed values', () => {
  const P = () => tf.tensor2d(probs);
  const I = () => tf.tensor2d(indices, undefined, 'int32');
  const M = () => tf.tensor1d([1, 0]);

  it('Switch/GShard balance: E·Σ f_e P_e with first choices', () => {
    // f = [1/2, 1/2, 0], P = [0.3, 0.45, 0.25] → 3·(0.15 + 0.225) = 1.125
    expect(value(() => tf.tidy(() => switchBalanceLoss(P(), I())))).toBeCloseTo(1.125, 6);
    // masked: f = [1, 0, 0], P = [0.5, 0.3, 0.2] → 3·0.5
    expect(value(() => tf.tidy(() => switchBalanceLoss(P(), I(), { mask: M() })))).toBeCloseTo(1.5, 6);
  });

  it('official SMoE balance: f over N·k slots, P = ΣP/(N·k)', () => {
    // slots per expert [1, 2, 1] / 4; P = [0.6, 0.9, 0.5] / 4 → 3·(0.25·0.15 + 0.5·0.225 + 0.25·0.125) = 0.54375
    expect(value(() => tf.tidy(() => smoeBalanceLoss(P(), I())))).toBeCloseTo(0.54375, 6);
    // masked (N = 1): f = [1/2, 1/2, 0], P = [0.25, 0.15, 0.1] → 3·(0.125 + 0.075) = 0.6
    expect(value(() => tf.tidy(() => smoeBalanceLoss(P(), I(), { mask: M() })))).toBeCloseTo(0.6, 6);
  });

  it('V-MoE importance: squared CV of the summed probabilities', () => {
    // sums [0.6, 0.9, 0.5]: mean 2/3, variance (0.004444 + 0.054444 + 0.027778)/3 = 0.0288889 → /(4/9) = 0.065
    expect(value(() => tf.tidy(() => importanceLoss(P())))).toBeCloseTo(0.065, 6);
    // masked: [0.5, 0.3, 0.2]: mean 1/3, variance 0.0155556 → /(1/9) = 0.14
    expect(value(() => tf.tidy(() => importanceLoss(P(), M())))).toBeCloseTo(0.14, 6);
  });

  it('V-MoE load: squared CV of the expected load from the normal CDF', () => {
    const logits = () =>
      tf.tensor2d([
        [1, 0],
        [0, 0],
      ]);
    const noisy = () =>
      tf.tensor2d([
        [1.5, -0.2],
        [0.3, 0.1],
      ]);
    const top1 = () => tf.tensor2d([[0], [0]], undefined, 'int32');
    // thresholds 1.5 and 0.3 (σ = 1): p = [[1−Φ(0.5), 1−Φ(1.5)], [1−Φ(0.3), 1−Φ(0.3)]],
    // Φ from the standard table
    const [phi05, phi15, phi03] = [0.6914625, 0.9331928, 0.6179114];
    const pMean = [(1 - phi05 + 1 - phi03) / 2, (1 - phi15 + 1 - phi03) / 2];
    const cv2 = (a: number, b: number) => ((a - b) / 2) ** 2 / ((a + b) / 2) ** 2;
    const full = value(() =>
      tf.tidy(() => loadLoss({ logits: logits(), noisyLogits: noisy(), indices: top1(), noiseStd: 1 })),
    );
    expect(full).toBeCloseTo(cv2(pMean[0]!, pMean[1]!), 5);
    const masked = value(() =>
      tf.tidy(() => loadLoss({ logits: logits(), noisyLogits: noisy(), indices: top1(), noiseStd: 1, mask: M() })),
    );
    expect(masked).toBeCloseTo(cv2(1 - phi05, 1 - phi15), 5);
  });

  it('router z-loss: mean of logsumexp² over real tokens', () => {
    const logits = () =>
      tf.tensor2d([
        [0, 0],
        [Math.log(3), 0],
      ]);
    // logsumexp: ln 2 and ln 4 = 2 ln 2 → mean of squares 2.5 ln²2; masked: ln²2
    expect(value(() => tf.tidy(() => routerZLoss(logits())))).toBeCloseTo(2.5 * Math.LN2 ** 2, 5);
    expect(value(() => tf.tidy(() => routerZLoss(logits(), M())))).toBeCloseTo(Math.LN2 ** 2, 5);
  });

  it('an all-padding batch gives finite losses', () => {
    const zero = () => tf.tensor1d([0, 0]);
    expect(Number.isFinite(value(() => tf.tidy(() => smoeBalanceLoss(P(), I(), { mask: zero() }))))).toBe(true);
    expect(
      value(() =>
        tf.tidy(() =>
          routerZLoss(
            tf.tensor2d([
              [1, 2],
              [3, 4],
            ]),
            zero(),
          ),
        ),
      ),
    ).toBe(0);
  });
});
