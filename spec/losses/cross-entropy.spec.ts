import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { CrossEntropyLoss, pixelAccuracy, resizedAccuracy, resizedCrossEntropy } from '../../lib/losses/cross-entropy.js';
import { interpolate } from '../../lib/nn/resize.js';

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

describe('resizedCrossEntropy (sample by sample, recomputed in the backward)', () => {
  const options = [{}, { avg_non_ignore: true, loss_weight: 0.4 }, { class_weight: [1, 2, 0.5, 3] }];
  for (const o of options) {
    it(`gives the loss and the logits' gradient of CE on the resized logits ${JSON.stringify(o)}`, () => {
      const loss = new CrossEntropyLoss(o);
      const logits = tf.randomNormal([3, 5, 6, 4], 0, 2, 'float32', 11) as tf.Tensor4D;
      const label = tf.tidy(() => {
        const ids = tf.randomUniformInt([3, 20, 24], 0, 4, 12);
        return tf.where(tf.equal(tf.randomUniformInt([3, 20, 24], 0, 5, 13), 0), tf.fill([3, 20, 24], 255, 'int32'), ids);
      }) as tf.Tensor3D;
      const reference = (z: tf.Tensor4D) => loss.forward(interpolate(z, { size: [20, 24], alignCorners: false }), label);
      const fused = (z: tf.Tensor4D) => resizedCrossEntropy(loss, z, label, 255, false);
      const [a, b] = [reference, fused].map((f) => tf.valueAndGrad((z: tf.Tensor) => f(z as tf.Tensor4D))(logits));
      expect(b.value.dataSync()[0]).to.be.closeTo(a.value.dataSync()[0], 1e-5 * Math.abs(a.value.dataSync()[0]));
      expect(tf.max(tf.abs(tf.sub(a.grad, b.grad))).dataSync()[0]).to.be.below(1e-5 * tf.max(tf.abs(a.grad)).dataSync()[0]);
      const acc = resizedAccuracy(logits, label, 255, false).dataSync()[0];
      expect(acc).to.be.closeTo(pixelAccuracy(interpolate(logits, { size: [20, 24] }), label).dataSync()[0], 1e-4);
      tf.dispose([logits, label, a.value, a.grad, b.value, b.grad]);
    });
  }
});
