/**
 * Softmax cross-entropy of logits [N, K] against class ids, and its gradient, as single-pass kernels for cpu and
 * wasm. As tf ops, the loss of one full-resolution logit map made log-softmax, one-hot, cast and products, and its
 * gradient softmax, one-hot, difference and products: four or five [N, K] tensors at once where one is enough.
 *   loss:     ℓ_n = logΣ_k exp(z_nk) − z_n,t(n)                      (0 where t(n) < 0: ignored)
 *   gradient: dz_nk = s_n · (softmax(z_n)_k − [k = t(n)])           (s_n: the pixel's weight times dy)
 * The targets come as float32 class ids (−1 where ignored), so both kernels take float32 inputs only. An id outside
 * [0, K) has no one-hot entry, as with tf.oneHot: its loss is 0 and its gradient s·softmax.
 */
import type { KernelFunc } from '@tensorflow/tfjs-core';
import { jsKernel } from './elementwise.js';
import { expNonPositive } from './gelu.js';

export const SOFTMAX_CE = 'SegvitSoftmaxCrossEntropy';
export const SOFTMAX_CE_GRAD = 'SegvitSoftmaxCrossEntropyGrad';

/** max_k z[o + k] and log Σ_k exp(z[o + k] − max). */
function logSumExp(z: Float32Array, o: number, k: number): number {
  let max = -Infinity;
  for (let j = 0; j < k; j++) if (z[o + j] > max) max = z[o + j];
  let sum = 0;
  for (let j = 0; j < k; j++) sum += expNonPositive(z[o + j] - max);
  return max + Math.log(sum);
}

function loss([z, target]: (Float32Array | undefined)[], [out]: Float32Array[]): void {
  const k = z!.length / out.length;
  for (let n = 0, o = 0; n < out.length; n++, o += k) {
    const t = target![n];
    out[n] = t >= 0 && t < k ? logSumExp(z!, o, k) - z![o + t] : 0;
  }
}

function gradient([z, target, scale]: (Float32Array | undefined)[], [dz]: Float32Array[]): void {
  const rows = target!.length;
  const k = z!.length / rows;
  for (let n = 0, o = 0; n < rows; n++, o += k) {
    const s = scale![n];
    if (s === 0) {
      dz.fill(0, o, o + k);
      continue;
    }
    const lse = logSumExp(z!, o, k);
    for (let j = 0; j < k; j++) dz[o + j] = s * expNonPositive(z![o + j] - lse);
    const t = target![n];
    if (t >= 0 && t < k) dz[o + t] -= s;
  }
}

const lossKernel: KernelFunc = jsKernel(['z', 'target'], ([, target]) => [target], loss);
const gradientKernel: KernelFunc = jsKernel(['z', 'target', 'scale'], ([z]) => [z], gradient);

/** The kernels by name, for registration on cpu and wasm. */
export const SOFTMAX_CE_KERNELS: Record<string, KernelFunc> = { [SOFTMAX_CE]: lossKernel, [SOFTMAX_CE_GRAD]: gradientKernel };
