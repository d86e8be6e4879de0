/**
 * Parameter initialisers with PyTorch's semantics, drawing from the seeded `rng` (lib/random.ts).
 * Shapes are TF.js shapes; fan-in/fan-out are passed by the layer, which knows its PyTorch meaning.
 */
import * as tf from '@tensorflow/tfjs-core';
import { rng } from '../random.js';

let drawing = true;

/**
 * Build with the random initialisers leaving zeros, drawing nothing: for a model whose every parameter is loaded
 * right after, strictly (the browser runtime). Drawing Swin-T + UPerNet's 60M values takes seconds.
 */
export function withoutRandomInit<T>(build: () => T): T {
  const was = drawing;
  drawing = false;
  try {
    return build();
  } finally {
    drawing = was;
  }
}

function fill(shape: number[], draw: () => number): tf.Tensor {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  if (drawing) for (let i = 0; i < values.length; i++) values[i] = draw();
  return tf.tensor(values, shape);
}

/** U(low, high), as `nn.init.uniform_`. */
export function uniform(shape: number[], low: number, high: number): tf.Tensor {
  return fill(shape, () => low + (high - low) * rng.uniform());
}

/** N(mean, std²), as `nn.init.normal_`. */
export function normal(shape: number[], std = 1, mean = 0): tf.Tensor {
  return fill(shape, () => mean + std * rng.normal());
}

/** N(mean, std²) redrawn outside the absolute bounds [a, b], as timm's / PyTorch's `trunc_normal_`. */
export function truncNormal(shape: number[], std = 1, mean = 0, a = -2, b = 2): tf.Tensor {
  if (!(a < b)) throw new Error(`truncNormal: bounds [${a}, ${b}] are empty`);
  return fill(shape, () => {
    for (;;) {
      const v = mean + std * rng.normal();
      if (v >= a && v <= b) return v;
    }
  });
}

export function constant(shape: number[], value: number): tf.Tensor {
  return tf.fill(shape, value);
}

/**
 * PyTorch's default init of Linear / Conv weights and biases: kaiming_uniform(a=√5) on the weight and
 * U(±1/√fan_in) on the bias both reduce to U(-1/√fan_in, 1/√fan_in).
 */
export function defaultUniform(shape: number[], fanIn: number): tf.Tensor {
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  return uniform(shape, -bound, bound);
}

/** `nn.init.kaiming_normal_(w, a, mode, nonlinearity='relu'|'leaky_relu')` with the fan chosen by the caller. */
export function kaimingNormal(shape: number[], fan: number, a = 0): tf.Tensor {
  const gain = Math.sqrt(2 / (1 + a * a));
  return normal(shape, gain / Math.sqrt(fan));
}

/** Re-initialise a parameter in place (the temporary tensors are released). */
export function reinit(variable: tf.Variable, make: (shape: number[]) => tf.Tensor): void {
  tf.tidy(() => variable.assign(make(variable.shape)));
}

/** A maker for `reinit` filling with one value. */
export const filled = (value: number) => (shape: number[]) => tf.fill(shape, value);
