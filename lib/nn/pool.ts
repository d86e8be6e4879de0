import * as tf from '@tensorflow/tfjs-core';

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

/** `F.adaptive_avg_pool2d(x, output_size)`: x [B, H, W, C] -> [B, oh, ow, C], as two matrix products. */
export function adaptiveAvgPool2d(x: tf.Tensor4D, outputSize: number | [number, number]): tf.Tensor4D {
  const [oh, ow] = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
  const [b, h, w, c] = x.shape;
  return tf.tidy(() => {
    // rows: [B, oh, H] x [B, H, W·C]
    const rows = tf.matMul(tf.broadcastTo(binMatrix(h, oh), [b, oh, h]), tf.reshape(x, [b, h, w * c]));
    // columns: [B·oh, ow, W] x [B·oh, W, C]
    const cols = tf.matMul(tf.broadcastTo(binMatrix(w, ow), [b * oh, ow, w]), tf.reshape(rows, [b * oh, w, c]));
    return tf.reshape(cols, [b, oh, ow, c]);
  });
}
