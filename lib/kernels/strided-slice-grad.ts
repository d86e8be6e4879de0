/**
 * Gradient of StridedSlice, which tfjs does not define: dy is spread back to the positions the slice read
 * (zeros elsewhere), for positive strides without ellipsis or new-axis masks.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap } from '@tensorflow/tfjs-core';

interface StridedSliceAttrs {
  begin: number[];
  end: number[];
  strides: number[];
  beginMask: number;
  endMask: number;
  ellipsisMask: number;
  newAxisMask: number;
  shrinkAxisMask: number;
}

/** Spread g along `axis` so element i lands at begin + i·stride of an axis of length `size`. */
function spread(g: tf.Tensor, axis: number, begin: number, stride: number, size: number): tf.Tensor {
  const n = g.shape[axis];
  if (stride > 1) {
    // [.., n, ..] -> [.., n, stride, ..] with zeros after each element -> [.., n·stride, ..]
    const padding = g.shape.map((): [number, number] => [0, 0]);
    padding.splice(axis + 1, 0, [0, stride - 1]);
    const shape = [...g.shape];
    shape[axis] = n * stride;
    g = tf.reshape(tf.pad(tf.expandDims(g, axis + 1), padding), shape);
  }
  const length = g.shape[axis];
  const after = size - begin - length;
  if (after < 0) {
    const keep = g.shape.map((s, i) => (i === axis ? length + after : s));
    g = tf.slice(g, new Array(g.rank).fill(0), keep);
  }
  const padding = g.shape.map((_, i): [number, number] => (i === axis ? [begin, Math.max(0, after)] : [0, 0]));
  return tf.pad(g, padding);
}

export const stridedSliceGradConfig: GradConfig = {
  kernelName: 'StridedSlice',
  inputsToSave: ['x'],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: NamedAttrMap) => {
    const a = attrs as unknown as StridedSliceAttrs;
    const [x] = saved;
    if (a.ellipsisMask || a.newAxisMask) {
      throw new Error('gradient of stridedSlice with ellipsis or new-axis masks is not supported');
    }
    const info = tf.slice_util.sliceInfo(
      x.shape,
      a.begin,
      a.end,
      a.strides,
      a.beginMask,
      a.endMask,
      a.ellipsisMask,
      a.newAxisMask,
      a.shrinkAxisMask,
    );
    if (info.strides.some((s) => s <= 0)) throw new Error('gradient of stridedSlice with negative strides is not supported');
    return {
      x: () => {
        // dy's shape with shrunk axes restored as length 1
        const sliced = x.shape.map((_, i) => Math.max(0, Math.ceil((info.end[i] - info.begin[i]) / info.strides[i])));
        let g = tf.reshape(dy as tf.Tensor, sliced);
        for (let axis = 0; axis < x.rank; axis++) {
          g = spread(g, axis, info.begin[axis], info.strides[axis], x.shape[axis]);
        }
        return g;
      },
    };
  },
};
