/** Finite-difference check of tf.grad for functions linear in their input (resizes, slices, convs in one operand). */
import * as tf from '@tensorflow/tfjs-core';
import { maxAbs } from './backends.js';

/**
 * max |analytic - numeric| / max |analytic| of d/dx Σ f(x)·g over every element of x, on the active backend.
 * f must be linear in x: the central difference is then exact up to float32 rounding whatever the step, and a
 * large step (0.5) keeps that rounding small against the difference.
 */
export function relativeGradError(f: (x: tf.Tensor) => tf.Tensor, shape: number[]): number {
  return tf.tidy(() => {
    const x = tf.randomNormal(shape, 0, 1, 'float32', 11);
    const g = tf.randomNormal(f(x).shape, 0, 1, 'float32', 12);
    const loss = (t: tf.Tensor) => tf.sum(tf.mul(f(t), g)) as tf.Scalar;
    const analytic = tf.grad(loss)(x).dataSync();
    const base = x.dataSync();
    const eps = 0.5;
    let err = 0;
    for (let i = 0; i < base.length; i++) {
      const up = base.slice();
      const down = base.slice();
      up[i] += eps;
      down[i] -= eps;
      const numeric = (loss(tf.tensor(up, shape)).dataSync()[0] - loss(tf.tensor(down, shape)).dataSync()[0]) / (2 * eps);
      err = Math.max(err, Math.abs(numeric - analytic[i]));
    }
    return err / maxAbs(analytic);
  });
}
