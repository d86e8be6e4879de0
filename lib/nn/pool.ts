import * as tf from '@tensorflow/tfjs-core';
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
