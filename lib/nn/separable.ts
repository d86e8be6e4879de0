import * as tf from '@tensorflow/tfjs-core';

/**
 * y[b, i, j, c] = Σ_h Σ_w rows[i, h] · cols[j, w] · x[b, h, w, c]: a separable linear map of the spatial axes
 * (adaptive pooling, bicubic resize) as two matrix products, differentiable on every backend.
 * x: [B, H, W, C], rows: [oh, H], cols: [ow, W] -> [B, oh, ow, C]
 */
export function separableMap(x: tf.Tensor4D, rows: tf.Tensor2D, cols: tf.Tensor2D): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const [oh, ow] = [rows.shape[0], cols.shape[0]];
  return tf.tidy(() => {
    const byRows = tf.matMul(tf.broadcastTo(rows, [b, oh, h]), tf.reshape(x, [b, h, w * c]));
    const byCols = tf.matMul(tf.broadcastTo(cols, [b * oh, ow, w]), tf.reshape(byRows, [b * oh, w, c]));
    return tf.reshape(byCols, [b, oh, ow, c]);
  });
}
