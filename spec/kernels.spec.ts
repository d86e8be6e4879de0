/**
 * The kernels segvit replaces or adds are checked against central finite differences of the forward op.
 * Every function here is linear in the checked input, so the difference quotient is exact up to rounding.
 * The resize gradients have their own spec (spec/kernels/resize-grad.spec.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { maxAbs, maxAbsDiff, onBackend } from './helpers/backends.js';
import { relativeGradError } from './helpers/gradcheck.js';

const checks: [string, (x: tf.Tensor) => tf.Tensor, number[]][] = [
  ['stridedSlice strides 2,3', (x) => tf.stridedSlice(x, [0, 1, 0, 0], [1, 7, 8, 2], [1, 2, 3, 1]), [1, 7, 8, 2]],
  ['stridedSlice shrink axis', (x) => tf.stridedSlice(x, [0, 2], [3, 3], [1, 1], 0, 0, 0, 0, 2), [3, 5]],
  [
    'conv3d strided (input)',
    (x) => tf.conv3d(x as tf.Tensor5D, tf.randomNormal([1, 3, 3, 2, 3], 0, 1, 'float32', 5) as tf.Tensor5D, [1, 2, 2], 'valid'),
    [1, 2, 6, 6, 2],
  ],
  [
    'conv3d strided (filter)',
    (w) => tf.conv3d(tf.randomNormal([1, 3, 7, 7, 2], 0, 1, 'float32', 6) as tf.Tensor5D, w as tf.Tensor5D, [2, 2, 2], 'valid'),
    [2, 2, 2, 2, 3],
  ],
  [
    'conv2d filter (explicit padding, stride 2)',
    (w) =>
      tf.conv2d(tf.randomNormal([2, 7, 6, 3], 0, 1, 'float32', 7) as tf.Tensor4D, w as tf.Tensor4D, 2, [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ]),
    [3, 3, 3, 4],
  ],
  [
    'conv2d filter, stride = kernel (patch embedding; input cropped to whole patches)',
    (w) => tf.conv2d(tf.randomNormal([2, 9, 10, 3], 0, 1, 'float32', 9) as tf.Tensor4D, w as tf.Tensor4D, 4, 'valid'),
    [4, 4, 3, 5],
  ],
  [
    'depthwise conv2d filter and input',
    (w) => tf.depthwiseConv2d(tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 8) as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'),
    [3, 3, 3, 2],
  ],
];

for (const backend of ['cpu', 'wasm']) {
  describe(`gradients of replaced and added kernels on ${backend} match finite differences`, () => {
    for (const [name, f, shape] of checks) {
      it(name, async () => {
        const err = await onBackend(backend, () => relativeGradError(f, shape));
        expect(err).to.be.below(1e-4);
      });
    }
  });
}

describe('conv2d weight gradient with a patch matrix too large to build (one matmul per tap) equals cpu', () => {
  it('3x3, 256 -> 2 channels, 64x64 (9.4M patch-matrix floats)', async () => {
    const grad = () =>
      tf.tidy(() => {
        const x = tf.randomNormal([1, 64, 64, 256], 0, 1, 'float32', 21) as tf.Tensor4D;
        const g = tf.randomNormal([1, 64, 64, 2], 0, 1, 'float32', 22);
        const w = tf.randomNormal([3, 3, 256, 2], 0, 1, 'float32', 23) as tf.Tensor4D;
        return tf.grad((f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, f as tf.Tensor4D, 1, 'same'), g)))(w).dataSync();
      });
    const expected = await onBackend('cpu', grad);
    expect(maxAbsDiff(await onBackend('wasm', grad), expected) / maxAbs(expected)).to.be.below(1e-5);
  });
});
