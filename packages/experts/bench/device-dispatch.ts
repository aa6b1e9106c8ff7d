/**
 * Host routing + grouped dropless dispatch vs device routing + dense dispatch, forward + backward of one MoE layer
 * at the language-model presets' widths (E = 16, k = 2), in one process with interleaved runs. Writes
 * bench/results/device-dispatch.json. Run: `node --conditions=@momentum-smoe/source --import tsx
 * bench/device-dispatch.ts` in packages/experts.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng, initBackend } from '@momentum-smoe/core';
import { TopKRouter } from '@momentum-smoe/routers';
import { ExpertBank, runMoE } from '@momentum-smoe/experts';
import { interleavedTimes, median, pairedRatio, writeResult } from '../../../bench/harness.js';

const EXPERTS = 16;
const K = 2;

/** One forward + backward (gradients for x and every parameter) of an MoE layer routed on the host or the device. */
function moeStep(width: number, tokens: number, routing: 'host' | 'device') {
  const rng = new Rng(width);
  const router = new TopKRouter({ dModel: width, experts: EXPERTS, topK: K, rng, routing });
  const bank = new ExpertBank({ experts: EXPERTS, dIn: width, dHidden: width, rng });
  const params = [...router.trainableParameters(), ...bank.trainableParameters()];
  const x = tf.variable(tf.randomNormal([tokens, width], 0, 1, 'float32', 1)) as tf.Variable<tf.Rank.R2>;
  const step = () => {
    const { value, grads } = tf.variableGrads(() => tf.sum(runMoE(router, bank, x).y), [x, ...params]);
    tf.dispose([value, ...Object.values(grads)]);
  };
  const dispose = () => [x, router, bank].forEach((m) => m.dispose());
  return { step, dispose };
}

async function measure(backend: 'wasm' | 'cpu', width: number, tokens: number, reps: number) {
  await initBackend({ backend });
  const host = moeStep(width, tokens, 'host');
  const device = moeStep(width, tokens, 'device');
  const t = await interleavedTimes({ host: host.step, device: device.step }, { warmup: 1, reps });
  host.dispose();
  device.dispose();
  return {
    backend,
    width,
    tokens,
    host_ms: median(t.host!),
    device_ms: median(t.device!),
    device_vs_host_ratio: pairedRatio(t.device!, t.host!),
  };
}

const runs = [
  await measure('wasm', 128, 1024, 7), // tiny / small presets' width
  await measure('wasm', 352, 1024, 5), // medium presets' width
  await measure('cpu', 128, 256, 3),
];
writeResult('device-dispatch', {
  setup:
    `MoE layer fwd+bwd, E=${EXPERTS}, k=${K}, hidden = width, TopKRouter host (grouped dropless) vs device ` +
    '(dense: every expert on every token); times: medians; ratios: medians of per-repetition ratios (interleaved)',
  runs,
});
