/**
 * mmseg's slide_inference: the logits of overlapping crops summed into a canvas and divided by the number of crops
 * that cover each pixel.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Window starts along one axis, as mmseg's slide_inference: the last window is pushed back inside. */
export function slideWindows(size: number, crop: number, stride: number): [number, number][] {
  const grids = Math.floor(Math.max(size - crop + stride - 1, 0) / stride) + 1;
  return Array.from({ length: grids }, (_, i) => {
    const end = Math.min(i * stride + crop, size);
    return [Math.max(end - crop, 0), end] as [number, number];
  });
}

/**
 * Logits [B, H, W, K] of images [B, H, W, C] from `encodeDecode` (a crop -> its K-class logits at the crop's size)
 * on crops of `crop` [h, w] placed every `stride` [h, w].
 */
export function slideInference(
  img: tf.Tensor4D,
  crop: [number, number],
  stride: [number, number],
  numClasses: number,
  encodeDecode: (crop: tf.Tensor4D) => tf.Tensor4D,
): tf.Tensor4D {
  const [b, h, w] = img.shape;
  let canvas: tf.Tensor4D = tf.zeros([b, h, w, numClasses]);
  const count = new Float32Array(h * w);
  for (const [y1, y2] of slideWindows(h, crop[0], stride[0])) {
    for (const [x1, x2] of slideWindows(w, crop[1], stride[1])) {
      const next = tf.tidy(() => {
        const logits = encodeDecode(tf.slice(img, [0, y1, x1, 0], [b, y2 - y1, x2 - x1, -1]));
        return tf.add(canvas, tf.pad(logits, [[0, 0], [y1, h - y2], [x1, w - x2], [0, 0]])) as tf.Tensor4D;
      });
      canvas.dispose();
      canvas = next;
      for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) count[y * w + x] += 1;
    }
  }
  return tf.tidy(() => tf.div(canvas, tf.tensor4d(count, [1, h, w, 1])) as tf.Tensor4D);
}
