/** `F.interpolate` for channels-last images with PyTorch's sampling rules. */
import * as tf from '@tensorflow/tfjs-core';

export interface InterpolateOptions {
  /** Output [H, W]; or give `scaleFactor`. */
  size?: [number, number];
  /** Output = floor(input · scale). */
  scaleFactor?: number | [number, number];
  mode?: 'bilinear' | 'nearest';
  /**
   * bilinear only. false (PyTorch's and mmseg's default): half-pixel sampling, edges clamped.
   * true (DPT's decoder): corner pixels of input and output coincide.
   */
  alignCorners?: boolean;
}

/** Resize x [B, H, W, C] as `F.interpolate(x, size | scale_factor, mode, align_corners)`. */
export function interpolate(x: tf.Tensor4D, options: InterpolateOptions): tf.Tensor4D {
  const [, h, w] = x.shape;
  let size = options.size;
  if (!size) {
    const s = options.scaleFactor;
    if (s === undefined) throw new Error('interpolate needs size or scaleFactor');
    const [sh, sw] = typeof s === 'number' ? [s, s] : s;
    size = [Math.floor(h * sh), Math.floor(w * sw)];
  }
  if (size[0] === h && size[1] === w) return x;
  const mode = options.mode ?? 'bilinear';
  if (mode === 'nearest') {
    if (options.alignCorners) throw new Error('align_corners only has an effect with bilinear interpolation');
    // PyTorch 'nearest' takes floor(dst · in/out): TF's legacy nearest rule.
    return tf.image.resizeNearestNeighbor(x, size, false, false);
  }
  const alignCorners = options.alignCorners ?? false;
  return tf.image.resizeBilinear(x, size, alignCorners, !alignCorners);
}
