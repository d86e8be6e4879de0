/**
 * Conv2DBackpropInput (the input gradient of conv2d, and the forward of conv2dTranspose) as a forward conv, which
 * wasm runs 2-3x faster than its own backprop kernel: dy is dilated by the stride (zeros between rows and columns),
 * padded by K-1-pad, and correlated with the filter rotated 180° with in/out channels swapped.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc } from '@tensorflow/tfjs-core';
import { asTensor } from './conv-filter-grad.js';

interface InputGradAttrs {
  strides: number | [number, number];
  pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

/** Insert stride-1 zeros between elements along axes 1 and 2: [B, h, w, C] -> [B, (h-1)s+1, (w-1)s+1, C]. */
function dilate(dy: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return dy;
  const [b, h, w, c] = dy.shape;
  const spread = tf.pad(tf.reshape(dy, [b, h, 1, w, 1, c]), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
  return tf.slice(tf.reshape(spread, [b, h * sh, w * sw, c]), 0, [b, (h - 1) * sh + 1, (w - 1) * sw + 1, c]) as tf.Tensor4D;
}

/** Pad (or crop, for negative amounts) axis 1 and 2 by [before, after]. */
function padOrCrop(x: tf.Tensor4D, [top, bottom]: number[], [left, right]: number[]): tf.Tensor4D {
  const padded = tf.pad(x, [[0, 0], [Math.max(0, top), Math.max(0, bottom)], [Math.max(0, left), Math.max(0, right)], [0, 0]]);
  const [b, h, w, c] = padded.shape;
  const start = [0, Math.max(0, -top), Math.max(0, -left), 0];
  return tf.slice(padded, start, [b, h - start[1] - Math.max(0, -bottom), w - start[2] - Math.max(0, -right), c]);
}

export const conv2DBackpropInput: KernelFunc = ({ inputs, attrs }) => {
  const a = attrs as unknown as InputGradAttrs;
  const dy = asTensor(inputs.dy!) as tf.Tensor4D;
  const filter = asTensor(inputs.filter!) as tf.Tensor4D;
  return tf.tidy((): tf.Tensor4D => {
    const info = tf.backend_util.computeConv2DInfo(a.inputShape, filter.shape, a.strides, 1, a.pad, a.dimRoundingMode);
    const [kh, kw] = filter.shape;
    const spread = dilate(dy, info.strideHeight, info.strideWidth);
    const { top, left } = info.padInfo;
    const [, h, w] = a.inputShape;
    const rows = [kh - 1 - top, h + top - spread.shape[1]];
    const cols = [kw - 1 - left, w + left - spread.shape[2]];
      const [, , cIn, cOut] = filter.shape;
    // 180° rotation as a row gather (contiguous copies; tf.reverse is slow on wasm), then swap in/out channels
    const taps = tf.reshape(filter, [kh * kw, cIn * cOut]);
    const reversed = tf.gather(taps, tf.range(kh * kw - 1, -1, -1, 'int32'));
    const rotated = tf.transpose(tf.reshape(reversed, [kh, kw, cIn, cOut]), [0, 1, 3, 2]) as tf.Tensor4D;
    return tf.conv2d(padOrCrop(spread, rows, cols), rotated, 1, 'valid') as tf.Tensor4D;
  });
};
