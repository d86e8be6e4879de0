/** Gradient clipping by global norm, as `torch.nn.utils.clip_grad_norm_`. */
import * as tf from '@tensorflow/tfjs-core';
import type { Gradients } from './optimizer.js';

export interface ClippedGradients {
  /** New gradient tensors, each scaled by min(1, max_norm / (total_norm + 1e-6)); the caller disposes them. */
  grads: Gradients;
  /** The norm of all gradients together, before clipping. */
  totalNorm: number;
}

/**
 * Scale `grads` so that their joint `normType`-norm (the norm of the per-tensor norms; `Infinity` for the max-norm)
 * is at most `maxNorm`. Like torch, every gradient is multiplied by the clamped coefficient, computed in float32.
 * The input tensors are left untouched.
 */
export function clipGradNorm(grads: Gradients, maxNorm: number, normType = 2): ClippedGradients {
  const names = Object.keys(grads);
  if (names.length === 0) return { grads: {}, totalNorm: 0 };
  const total = tf.tidy(() => vectorNorm(tf.stack(names.map((name) => vectorNorm(grads[name]!, normType))), normType));
  const coef = tf.tidy(() => tf.minimum(tf.div(maxNorm, tf.add(total, 1e-6)), 1));
  const clipped = Object.fromEntries(names.map((name) => [name, tf.mul(grads[name]!, coef)]));
  const totalNorm = total.dataSync()[0]!;
  tf.dispose([total, coef]);
  return { grads: clipped, totalNorm };
}

/** `torch.linalg.vector_norm(x, ord)` over all elements. */
function vectorNorm(x: tf.Tensor, ord: number): tf.Tensor {
  return tf.tidy(() => {
    const abs = tf.abs(x);
    if (ord === Infinity) return tf.max(abs);
    if (ord === 1) return tf.sum(abs);
    if (ord === 2) return tf.sqrt(tf.sum(tf.square(abs)));
    return tf.pow(tf.sum(tf.pow(abs, ord)), 1 / ord);
  });
}
