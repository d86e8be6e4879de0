/**
 * LayerNorm over the last axis, with weight and bias, as one kernel forward and one backward (cpu and wasm), instead
 * of about eight op kernels forward and twenty backward. Statistics are accumulated in float64; the variance is the biased one, as
 * PyTorch's.
 *   forward:  x̂ = (x - μ)·r, r = 1/√(σ² + eps); y = x̂·w + b            ([rows, C] -> y, and μ, r per row)
 *   backward: g = dy·w; dx = r·(g - mean(g) - x̂·mean(g·x̂)); dw = Σ dy·x̂; db = Σ dy (sums over rows)
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, KernelFunc, NamedAttrMap } from '@tensorflow/tfjs-core';
import { jsKernel } from './elementwise.js';

export const LAYER_NORM = 'SegvitLayerNorm';
const LAYER_NORM_GRAD = 'SegvitLayerNormGrad';

const rowsOf = (shape: number[]) => tf.util.sizeFromShape(shape.slice(0, -1));

function forward(
  [x, weight, bias]: (Float32Array | undefined)[],
  [y, mean, rstd]: Float32Array[],
  [shape]: number[][],
  attrs: NamedAttrMap,
): void {
  const c = shape[shape.length - 1];
  const eps = attrs.eps as number;
  for (let r = 0, o = 0; r < mean.length; r++, o += c) {
    let sum = 0;
    for (let j = 0; j < c; j++) sum += x![o + j];
    const mu = sum / c;
    let sq = 0;
    for (let j = 0; j < c; j++) {
      const d = x![o + j] - mu;
      sq += d * d;
    }
    const inv = 1 / Math.sqrt(sq / c + eps);
    mean[r] = mu;
    rstd[r] = inv;
    for (let j = 0; j < c; j++) {
      const n = (x![o + j] - mu) * inv;
      y[o + j] = n * weight![j] + bias![j];
    }
  }
}

function backward([dy, x, mean, rstd, weight]: (Float32Array | undefined)[], [dx, dw, db]: Float32Array[], [shape]: number[][]): void {
  const c = shape[shape.length - 1];
  const sumW = new Float64Array(c);
  const sumB = new Float64Array(c);
  for (let r = 0, o = 0; r < mean!.length; r++, o += c) {
    const mu = mean![r];
    const inv = rstd![r];
    let sumG = 0;
    let sumGX = 0;
    for (let j = 0; j < c; j++) {
      const n = (x![o + j] - mu) * inv;
      const d = dy![o + j];
      const g = d * weight![j];
      sumG += g;
      sumGX += g * n;
      sumW[j] += d * n;
      sumB[j] += d;
    }
    const meanG = sumG / c;
    const meanGX = sumGX / c;
    for (let j = 0; j < c; j++) {
      const n = (x![o + j] - mu) * inv;
      const g = dy![o + j] * weight![j];
      dx[o + j] = inv * (g - meanG - n * meanGX);
    }
  }
  dw.set(sumW);
  db.set(sumB);
}

export const layerNormKernel: KernelFunc = jsKernel(
  ['x', 'weight', 'bias'],
  ([x]) => [x, [rowsOf(x)], [rowsOf(x)]],
  forward,
);

const layerNormGradKernel: KernelFunc = jsKernel(
  ['dy', 'x', 'mean', 'rstd', 'weight'],
  ([, x]) => [x, [x[x.length - 1]], [x[x.length - 1]]],
  backward,
);

export const layerNormGradConfig: GradConfig = {
  kernelName: LAYER_NORM,
  inputsToSave: ['x', 'weight', 'bias'],
  outputsToSave: [false, true, true],
  gradFunc: (dys, saved) => {
    const [x, weight, , mean, rstd] = saved;
    const dy = (Array.isArray(dys) ? dys[0] : dys) as tf.Tensor;
    // One kernel gives all three gradients. It runs here, not in the closures: the engine runs each closure in a
    // tidy of its own, which would dispose the gradients the other closures return.
    const [dx, dw, db] = tf.engine().runKernel(LAYER_NORM_GRAD, { dy, x, mean, rstd, weight }) as tf.Tensor[];
    return { x: () => dx, weight: () => dw, bias: () => db };
  },
};

export const LAYER_NORM_KERNELS: Record<string, KernelFunc> = {
  [LAYER_NORM]: layerNormKernel,
  [LAYER_NORM_GRAD]: layerNormGradKernel,
};
