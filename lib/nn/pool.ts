import * as tf from '@tensorflow/tfjs-core';
import { Module, type Layer } from './module.js';
import { separableMap } from './separable.js';

/**
 * Averaging matrix [out, size] of `nn.AdaptiveAvgPool`: bin i covers [floor(i·size/out), ceil((i+1)·size/out)),
 * so bins overlap when `size` is not a multiple of `out`.
 */
function binMatrix(size: number, out: number): tf.Tensor2D {
  const m = new Float32Array(out * size);
  for (let i = 0; i < out; i++) {
    const start = Math.floor((i * size) / out);
    const end = Math.ceil(((i + 1) * size) / out);
    for (let j = start; j < end; j++) m[i * size + j] = 1 / (end - start);
  }
  return tf.tensor2d(m, [out, size]);
}

/** `F.adaptive_avg_pool2d(x, output_size)`: x [B, H, W, C] -> [B, oh, ow, C]. */
export function adaptiveAvgPool2d(x: tf.Tensor4D, outputSize: number | [number, number]): tf.Tensor4D {
  const [oh, ow] = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
  return tf.tidy(() => separableMap(x, binMatrix(x.shape[1], oh), binMatrix(x.shape[2], ow)));
}

/**
 * `nn.MaxPool2d(kernel_size, stride, padding)` (ceil_mode false): x [B, H, W, C] padded by `padding` on every side
 * with -inf, then windows at `stride` -> [B, ⌊(H + 2p - k)/s⌋ + 1, ⌊(W + 2p - k)/s⌋ + 1, C]. TF's 'same' padding
 * differs (all of it after), so the padding is explicit.
 */
export class MaxPool2d extends Module implements Layer {
  constructor(
    readonly kernelSize: number,
    readonly stride = kernelSize,
    readonly padding = 0,
  ) {
    super();
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const p = this.padding;
      const padded = p > 0 ? tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], -Infinity) : x;
      return tf.maxPool(padded, this.kernelSize, this.stride, 'valid');
    });
  }
}
