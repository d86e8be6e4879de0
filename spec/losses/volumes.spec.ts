/** The segmentation losses on volumes: logits [B, D, H, W, K] score as the same voxels laid out as an image. */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { CrossEntropyLoss, pixelAccuracy } from '../../lib/losses/cross-entropy.js';
import { DiceLoss } from '../../lib/losses/dice.js';

describe('segmentation losses on volumes', () => {
  it('cross-entropy, Dice and accuracy of [B, D, H, W, K] equal those of the voxels as [B, D·H, W, K]', () => {
    const logits = tf.randomNormal([2, 3, 4, 5, 4], 0, 1, 'float32', 7) as tf.Tensor5D;
    const label = tf.randomUniformInt([2, 3, 4, 5], 0, 4, 8) as tf.Tensor4D;
    const masked = tf.where(tf.equal(label, 3), tf.fill(label.shape, 255, 'int32'), label) as tf.Tensor4D; // some ignored voxels
    const flat = (t: tf.Tensor) => tf.reshape(t, [2, 12, 5, ...t.shape.slice(4)]);
    for (const loss of [new CrossEntropyLoss({ avg_non_ignore: true }), new DiceLoss({ smooth: 1e-5 })]) {
      const volume = loss.forward(logits, masked).dataSync()[0]!;
      const image = loss.forward(flat(logits) as tf.Tensor4D, flat(masked) as tf.Tensor3D).dataSync()[0]!;
      expect(volume).to.be.closeTo(image, 1e-6);
      expect(volume).to.be.greaterThan(0);
    }
    expect(pixelAccuracy(logits, masked).dataSync()[0]).to.be.closeTo(pixelAccuracy(flat(logits) as tf.Tensor4D, flat(masked) as tf.Tensor3D).dataSync()[0]!, 1e-5);
  });
});
