import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { CrossEntropyLoss, pixelAccuracy } from '../../lib/losses/cross-entropy.js';

/**
 * 2×2 image, 3 classes. Pixel logits and labels:
 *   (0,0) [2, 0, 0]  label 0    (0,1) [0, 1, 0]  label 2
 *   (1,0) [1, 1, 1]  label 1    (1,1) [5, 0, 0]  label 255 (ignored)
 * CE = logsumexp - logit[label]:
 *   a = log(e² + 2) - 2, b = log(e + 2) - 0, c = log 3 - 1
 */
const logits = () => tf.tensor4d([2, 0, 0, 0, 1, 0, 1, 1, 1, 5, 0, 0], [1, 2, 2, 3]);
const label = () => tf.tensor3d([0, 2, 1, 255], [1, 2, 2], 'int32');
const a = Math.log(Math.exp(2) + 2) - 2;
const b = Math.log(Math.E + 2);
const c = Math.log(3);

describe('CrossEntropyLoss', () => {
  it('averages over all pixels, ignored ones included (mmseg default avg_non_ignore=false)', () => {
    const loss = new CrossEntropyLoss().forward(logits(), label(), 255).dataSync()[0];
    expect(loss).to.be.closeTo((a + b + c) / 4, 1e-6);
  });

  it('averages over non-ignored pixels with avg_non_ignore', () => {
    const loss = new CrossEntropyLoss({ avg_non_ignore: true }).forward(logits(), label(), 255).dataSync()[0];
    expect(loss).to.be.closeTo((a + b + c) / 3, 1e-6);
  });

  it('weights each pixel by its class weight, without renormalising (as mmseg), times loss_weight', () => {
    const ce = new CrossEntropyLoss({ class_weight: [0.5, 2, 3], loss_weight: 0.4 });
    const loss = ce.forward(logits(), label(), 255).dataSync()[0];
    expect(loss).to.be.closeTo((0.4 * (0.5 * a + 3 * b + 2 * c)) / 4, 1e-6);
  });

  it('honours another ignore_index', () => {
    const lbl = tf.tensor3d([0, 2, 1, 0], [1, 2, 2], 'int32');
    const loss = new CrossEntropyLoss({ avg_non_ignore: true }).forward(logits(), lbl, 2).dataSync()[0];
    expect(loss).to.be.closeTo((a + c + (Math.log(Math.exp(5) + 2) - 5)) / 3, 1e-6);
  });

  it('names a class_weight of the wrong length', () => {
    expect(() => new CrossEntropyLoss({ class_weight: [1, 2] }).forward(logits(), label(), 255)).to.throw(
      'class_weight has 2 entries but the head predicts 3 classes',
    );
  });

  it('pixel accuracy counts non-ignored pixels only', () => {
    // argmax: (0,0)->0 ok, (0,1)->1 wrong, (1,0)->0 (first max) wrong, ignored
    expect(pixelAccuracy(logits(), label(), 255).dataSync()[0]).to.be.closeTo(100 / 3, 1e-4);
  });
});
