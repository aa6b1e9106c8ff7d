/**
 * Per-expert MLPs over contiguous row groups as one differentiable op with a hand-written backward pass.
 *
 * Why not autograd over `unstack` / `split`: on wasm, `Slice` (behind `Unpack` and `SplitV`) copies the whole input
 * for every piece, so E pieces cost O(E²) (34 s at E=64, T=4096), and `gather`'s autograd gradient is a full-size
 * segment sum per expert. Here every expert's weights and rows are gathered (linear), and the backward stacks the
 * per-expert weight gradients once.
 * @module
 */
import * as tf from '@tensorflow/tfjs';
import type { ExpertActivation } from './expert-bank.js';

/** The stacked weights and settings the op needs. */
export interface GroupedExpertWeights {
  w1: tf.Tensor3D; // [E, dIn, dHidden]
  b1: tf.Tensor2D; // [E, dHidden]
  w2: tf.Tensor3D; // [E, dHidden, dOut]
  b2: tf.Tensor2D; // [E, dOut]
  activation: ExpertActivation;
  /** Dropout rate on the hidden activation, 0 for none (eval mode). */
  dropout: number;
  /** Seed for the dropout masks (one draw per call). */
  seed: number;
}

/** Forward tensors of one non-empty expert that the backward reuses (indices into the saved list). */
interface Saved {
  e: number;
  start: number;
  n: number;
  at: number;
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * `y[rows of group e] = expert_e(x[rows of group e])`, groups back to back in `counts` order.
 * @param x `[Σ counts, dIn]`.
 * @returns `[Σ counts, dOut]`.
 */
export function groupedExperts(x: tf.Tensor2D, counts: readonly number[], p: GroupedExpertWeights): tf.Tensor2D {
  const [e, dIn, dHidden] = p.w1.shape;
  const dOut = p.w2.shape[2];
  const keep = 1 - p.dropout;
  const plan: Saved[] = [];
  let start = 0;
  counts.forEach((n, i) => {
    if (n > 0) plan.push({ e: i, start, n, at: plan.length * 6 });
    start += n;
  });

  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, w1, b1, w2, b2] = args as tf.Tensor[];
    const save = args[5] as tf.GradSaveFunc;
    const b1Flat = tf.reshape(b1!, [-1]);
    const b2Flat = tf.reshape(b2!, [-1]);
    const saved: tf.Tensor[] = [];
    const outs = plan.map(({ e: i, start: s, n }, j) => {
      const xe = tf.gather(xIn!, tf.range(s, s + n, 1, 'int32')); // [n, dIn]
      const w1e = tf.reshape(tf.gather(w1!, [i]), [dIn, dHidden]);
      const w2e = tf.reshape(tf.gather(w2!, [i]), [dHidden, dOut]);
      // Bias rows gathered from the flat vector, so they are true rank-1 tensors (wasm's fused matMul checks).
      const b1e = tf.gather(b1Flat, tf.range(i * dHidden, (i + 1) * dHidden, 1, 'int32'));
      const b2e = tf.gather(b2Flat, tf.range(i * dOut, (i + 1) * dOut, 1, 'int32'));
      const relu = p.activation === 'relu';
      const pre = relu ? null : tf.fused.matMul({ a: xe, b: w1e, bias: b1e }); // [n, dHidden]
      const act = pre === null ? tf.fused.matMul({ a: xe, b: w1e, bias: b1e, activation: 'relu' }) : gelu(pre);
      const mask = p.dropout > 0 ? dropoutMask([n, dHidden], p.dropout, p.seed + j) : null;
      const h = mask === null ? act : tf.mul(act, mask); // [n, dHidden]
      saved.push(xe, w1e, w2e, h, pre ?? h, mask ?? h);
      return tf.fused.matMul({ a: h, b: w2e, bias: b2e }); // [n, dOut]
    });
    save(saved);
    const value = outs.length === 1 ? outs[0]! : tf.concat(outs, 0);

    const gradFunc = (dy: tf.Tensor, s: tf.Tensor[]) => {
      const dx: tf.Tensor[] = [];
      const dw1: tf.Tensor[] = [];
      const db1: tf.Tensor[] = [];
      const dw2: tf.Tensor[] = [];
      const db2: tf.Tensor[] = [];
      let next = 0;
      for (let i = 0; i < e; i++) {
        const g = plan[next];
        if (g === undefined || g.e !== i) {
          dw1.push(tf.zeros([dIn, dHidden]));
          db1.push(tf.zeros([dHidden]));
          dw2.push(tf.zeros([dHidden, dOut]));
          db2.push(tf.zeros([dOut]));
          continue;
        }
        next++;
        const [xe, w1e, w2e, h, pre, mask] = s.slice(g.at, g.at + 6) as tf.Tensor2D[];
        const dye = tf.gather(dy, tf.range(g.start, g.start + g.n, 1, 'int32')) as tf.Tensor2D; // [n, dOut]
        dw2.push(tf.matMul(h!, dye, true, false)); // [dHidden, dOut]
        db2.push(tf.sum(dye, 0));
        const dh = tf.matMul(dye, w2e!, false, true); // [n, dHidden]
        const dpre =
          p.activation === 'relu'
            ? tf.mul(dh, p.dropout > 0 ? tf.mul(tf.step(h!), 1 / keep) : tf.step(h!)) // relu'·mask from h alone
            : tf.mul(p.dropout > 0 ? tf.mul(dh, mask!) : dh, geluDerivative(pre!));
        dw1.push(tf.matMul(xe!, dpre, true, false)); // [dIn, dHidden]
        db1.push(tf.sum(dpre, 0));
        dx.push(tf.matMul(dpre, w1e!, false, true)); // [n, dIn]
      }
      return [dx.length === 1 ? dx[0]! : tf.concat(dx, 0), tf.stack(dw1), tf.stack(db1), tf.stack(dw2), tf.stack(db2)];
    };
    return { value, gradFunc };
  });
  return op(x, p.w1, p.b1, p.w2, p.b2) as tf.Tensor2D;
}

/** Inverted-dropout mask: 1/(1−rate) with probability 1−rate, else 0. */
function dropoutMask(shape: [number, number], rate: number, seed: number): tf.Tensor2D {
  return tf.mul(tf.cast(tf.greaterEqual(tf.randomUniform(shape, 0, 1, 'float32', seed), rate), 'float32'), 1 / (1 - rate));
}

/** Exact GELU, `0.5·x·(1 + erf(x/√2))`. */
export function gelu<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1))) as T;
}

/** d GELU / dx = Φ(x) + x·φ(x). */
function geluDerivative(x: tf.Tensor): tf.Tensor {
  const cdf = tf.mul(tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1), 0.5);
  const pdf = tf.mul(tf.exp(tf.mul(tf.square(x), -0.5)), INV_SQRT_2PI);
  return tf.add(cdf, tf.mul(x, pdf));
}
