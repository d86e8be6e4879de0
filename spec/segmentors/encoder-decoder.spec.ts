import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { FCNHead } from '../../heads/fcn.js';
import { Conv2d, Module } from '../../lib/nn/index.js';
import { EncoderDecoder, type EncoderDecoderOptions } from '../../lib/segmentors/encoder-decoder.js';
import { slideInference } from '../../lib/segmentors/slide-inference.js';
import type { Backbone } from '../../lib/segmentors/types.js';
import { maxAbsDiff } from '../helpers/backends.js';

/** One 3×3 conv at stride 2: a backbone with a single feature map. */
class Stem extends Module implements Backbone {
  readonly conv = this.addModule('conv', new Conv2d(3, 8, 3, { padding: 1, stride: 2 }));

  forward(x: tf.Tensor4D): tf.Tensor4D[] {
    return [this.conv.forward(x) as tf.Tensor4D];
  }
}

const fcn = (numClasses = 3) => new FCNHead({ in_channels: 8, channels: 8, num_classes: numClasses, num_convs: 1, dropout_ratio: 0 });
const model = (o: Partial<EncoderDecoderOptions> = {}) => new EncoderDecoder({ backbone: new Stem(), decode_head: fcn(), ...o }).eval();

describe('EncoderDecoder as a Segmentor', () => {
  it("declares task 'segmentation' and predicts logits at the input size as test_cfg says: whole or slide", () => {
    const img = tf.randomNormal([1, 20, 14, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const whole = model();
    expect(whole.task).to.equal('segmentation');
    expect(maxAbsDiff(whole.predict(img).dataSync(), whole.encodeDecode(img).dataSync())).to.equal(0);
    const slide = model({ test_cfg: { mode: 'slide', crop_size: [8, 8], stride: [6, 6] } });
    const expected = slideInference(img, [8, 8], [6, 6], 3, (crop) => slide.encodeDecode(crop));
    const predicted = slide.predict(img);
    expect(predicted.shape).to.deep.equal([1, 20, 14, 3]);
    expect(maxAbsDiff(predicted.dataSync(), expected.dataSync())).to.equal(0);
    tf.dispose([img, expected, predicted]);
    [whole, slide].forEach((m) => m.dispose());
  });

  it('keys training losses by head: decode.*, then aux_{i}.* for a list of auxiliary heads', () => {
    const m = model({ auxiliary_head: [fcn(), fcn()] }).train();
    const img = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const label = tf.randomUniformInt([2, 16, 16], 0, 3, 3) as tf.Tensor3D;
    const losses = m.loss(img, { label });
    expect(Object.keys(losses)).to.deep.equal([
      'decode.loss_ce', 'decode.acc_seg', 'aux_0.loss_ce', 'aux_0.acc_seg', 'aux_1.loss_ce', 'aux_1.acc_seg',
    ]);
    tf.dispose([img, label, losses]);
    m.dispose();
  });
});
