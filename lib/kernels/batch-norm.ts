/**
 * Training-mode BatchNorm over every axis but the last (channels), with weight and bias, as one kernel forward and
 * one backward (cpu and wasm), instead of about ten op kernels forward and twenty backward. Statistics are
 * accumulated in float64; the batch variance is the biased one (the module folds the unbiased one into running_var).
 *   forward:  x̂ = (x - μ)·r, r = 1/√(σ² + eps); y = x̂·w + b            ([N, C] -> y, and μ, σ² per channel)
 *   backward: db = Σ dy; dw = Σ dy·x̂; dx = w·r/N·(N·dy - db - x̂·dw)   (sums over the N rows)
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, KernelFunc, NamedAttrMap } from '@tensorflow/tfjs-core';
import { jsKernel } from './elementwise.js';

export const BATCH_NORM_TRAIN = 'SegvitBatchNormTrain';
const BATCH_NORM_TRAIN_GRAD = 'SegvitBatchNormTrainGrad';

const channelsOf = (shape: number[]) => [shape[shape.length - 1]];

function forward([x, weight, bias]: (Float32Array | undefined)[], [y, mean, variance]: Float32Array[], _: number[][], attrs: NamedAttrMap): void {
  const c = mean.length;
  const rows = x!.length / c;
  const sum = new Float64Array(c);
  for (let o = 0; o < x!.length; o += c) for (let j = 0; j < c; j++) sum[j] += x![o + j];
  for (let j = 0; j < c; j++) sum[j] /= rows;
  const sq = new Float64Array(c);
  for (let o = 0; o < x!.length; o += c) {
    for (let j = 0; j < c; j++) {
      const d = x![o + j] - sum[j];
      sq[j] += d * d;
    }
  }
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let j = 0; j < c; j++) {
    mean[j] = sum[j];
    variance[j] = sq[j] / rows;
    const r = 1 / Math.sqrt(sq[j] / rows + (attrs.eps as number));
    scale[j] = r * weight![j];
    shift[j] = bias![j] - sum[j] * r * weight![j];
  }
  for (let o = 0; o < x!.length; o += c) for (let j = 0; j < c; j++) y[o + j] = x![o + j] * scale[j] + shift[j];
}

function backward([dy, x, mean, variance, weight]: (Float32Array | undefined)[], [dx, dw, db]: Float32Array[], _: number[][], attrs: NamedAttrMap): void {
  const c = mean!.length;
  const rows = x!.length / c;
  const rstd = Float64Array.from(variance!, (v) => 1 / Math.sqrt(v + (attrs.eps as number)));
  const sumDy = new Float64Array(c);
  const sumDyX = new Float64Array(c);
  for (let o = 0; o < x!.length; o += c) {
    for (let j = 0; j < c; j++) {
      const d = dy![o + j];
      sumDy[j] += d;
      sumDyX[j] += d * (x![o + j] - mean![j]) * rstd[j];
    }
  }
  for (let o = 0; o < x!.length; o += c) {
    for (let j = 0; j < c; j++) {
      const n = (x![o + j] - mean![j]) * rstd[j];
      dx[o + j] = ((weight![j] * rstd[j]) / rows) * (rows * dy![o + j] - sumDy[j] - n * sumDyX[j]);
    }
  }
  dw.set(sumDyX);
  db.set(sumDy);
}

const batchNormTrainKernel: KernelFunc = jsKernel(['x', 'weight', 'bias'], ([x]) => [x, channelsOf(x), channelsOf(x)], forward);
const batchNormTrainGradKernel: KernelFunc = jsKernel(
  ['dy', 'x', 'mean', 'variance', 'weight'],
  ([, x]) => [x, channelsOf(x), channelsOf(x)],
  backward,
);

export const batchNormTrainGradConfig: GradConfig = {
  kernelName: BATCH_NORM_TRAIN,
  inputsToSave: ['x', 'weight', 'bias'],
  outputsToSave: [false, true, true],
  gradFunc: (dys, saved, attrs) => {
    const [x, weight, , mean, variance] = saved;
    const dy = (Array.isArray(dys) ? dys[0] : dys) as tf.Tensor;
    // The batch statistics only feed the running statistics, which the loss does not see: their gradients are not
    // propagated. One kernel gives all three gradients; it runs here because the engine runs each closure in a
    // tidy of its own, which would dispose the gradients the other closures return.
    const [dx, dw, db] = tf.engine().runKernel(BATCH_NORM_TRAIN_GRAD, { dy, x, mean, variance, weight }, attrs as NamedAttrMap) as tf.Tensor[];
    return { x: () => dx, weight: () => dw, bias: () => db };
  },
};

export const BATCH_NORM_KERNELS: Record<string, KernelFunc> = {
  [BATCH_NORM_TRAIN]: batchNormTrainKernel,
  [BATCH_NORM_TRAIN_GRAD]: batchNormTrainGradKernel,
};
