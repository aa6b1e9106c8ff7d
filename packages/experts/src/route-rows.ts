/**
 * Row movement between index spaces with gather-only forward and backward passes. tfjs' own `gather` gradient is an
 * `UnsortedSegmentSum`, which the wasm backend lacks and the cpu backend runs pathologically slowly at MoE sizes; when
 * the movement is a (partial) bijection, the adjoint is itself a gather with the inverse map.
 * @module
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Moves rows along a partial bijection between the rows of `x` (N of them, each used up to `repeat` times) and M
 * output rows.
 *
 * - forward: `y[m] = x[forward[m]]`, or a zero row where `forward[m] = N` (a hole);
 * - backward: `dx[n] = Σ_{j<repeat} dy[backward[n·repeat + j]]`, skipping `backward[·] = M` (a hole).
 *
 * `forward` and `backward` must describe the same pairs. Dispatch uses (token of slot, slot of assignment, k);
 * combine uses (slot of assignment, assignment of slot, 1).
 * @param x `[N, d]`.
 * @param forward `[M]` int32 in `[0, N]`.
 * @param backward `[N·repeat]` int32 in `[0, M]`.
 * @param holes whether any index is a hole (adds a zero row before gathering).
 * @returns `[M, d]`.
 */
export function routeRows(
  x: tf.Tensor2D,
  forward: tf.Tensor1D,
  backward: tf.Tensor1D,
  repeat: number,
  holes: boolean,
): tf.Tensor2D {
  const [n, d] = x.shape;
  const move = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    (args[1] as tf.GradSaveFunc)([forward, backward]);
    const value = gatherRows(args[0] as tf.Tensor2D, forward, holes);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const back = saved[1] as tf.Tensor1D;
        const rows = gatherRows(dy as tf.Tensor2D, back, holes); // [N·repeat, d]
        return repeat === 1 ? rows : tf.sum(tf.reshape(rows, [n, repeat, d]), 1);
      },
    };
  });
  return move(x);
}

/** `x[index]` row-wise; with `holes`, index `rows(x)` reads a zero row. */
function gatherRows(x: tf.Tensor2D, index: tf.Tensor1D, holes: boolean): tf.Tensor2D {
  return tf.tidy(() => tf.gather(holes ? tf.concat([x, tf.zeros([1, x.shape[1]])], 0) : x, index));
}
