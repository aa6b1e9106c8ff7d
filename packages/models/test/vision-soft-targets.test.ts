import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '@momentum-smoe/core';
import { sigmoidCrossEntropy } from '../src/vision/index.js';

describe('sigmoidCrossEntropy with soft targets (mixup)', () => {
  it('sums −[y log σ(z) + (1−y) log(1−σ(z))] with float targets; one-hot rows equal the int labels (seed 8)', () => {
    const rng = new Rng(8);
    const [b, c] = [3, 5];
    const z = rng.normalArray(b * c, 0, 2);
    const y = [0.7, 0, 0.3, 0, 0, 0, 1, 0, 0, 0, 0.55, 0, 0, 0, 0.45]; // [3, 5]
    const got = tf.tidy(() => sigmoidCrossEntropy(tf.tensor2d(z, [b, c]), tf.tensor2d(y, [b, c]))).dataSync()[0]!;
    let want = 0;
    for (let i = 0; i < b * c; i++) {
      const s = 1 / (1 + Math.exp(-z[i]!));
      want -= y[i]! * Math.log(s) + (1 - y[i]!) * Math.log(1 - s);
    }
    expect(got).toBeCloseTo(want / b, 4);
    const hard = tf.tidy(() =>
      sigmoidCrossEntropy(tf.tensor2d(z, [b, c]), tf.tensor2d([1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1], [b, c])),
    );
    const ids = tf.tidy(() => sigmoidCrossEntropy(tf.tensor2d(z, [b, c]), tf.tensor1d([0, 1, 4], 'int32')));
    expect(hard.dataSync()[0]).toBeCloseTo(ids.dataSync()[0]!, 5);
    tf.dispose([hard, ids]);
  });

  it('rejects targets whose shape is not [images, classes]', () => {
    expect(() => sigmoidCrossEntropy(tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([2, 4]) as tf.Tensor2D)).toThrow(
      /targets/,
    );
  });
});
