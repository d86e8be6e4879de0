/**
 * DiceLoss against the official TransUNet / HiFormer DiceLoss: spec/fixtures/losses/dice_loss.json holds logits,
 * labels, the loss and dloss/dlogits computed in float64 by tools/reference/dice_loss.py with the official utils.py.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import '../../lib/losses/index.js';
import { DiceLoss } from '../../lib/losses/dice.js';
import { FCNHead } from '../../heads/fcn.js';
import { maxAbs, maxAbsDiff } from '../helpers/backends.js';
import { readJsonFixture, type StoredTensor } from '../helpers/torch-json.js';

interface DiceCase {
  logits: StoredTensor;
  label: StoredTensor;
  weight: number[] | null;
  loss: number;
  grad: StoredTensor;
}

/** NCHW -> NHWC. */
const nhwc = (t: StoredTensor) => tf.transpose(tf.tensor4d(t.data, t.shape as [number, number, number, number]), [0, 2, 3, 1]) as tf.Tensor4D;

describe('DiceLoss', () => {
  const { cases } = readJsonFixture<{ cases: DiceCase[] }>('losses/dice_loss.json');
  for (const [i, c] of cases.entries()) {
    it(`equals the official DiceLoss and its gradient (case ${i}: ${c.weight ? 'class weights' : 'no weights'})`, () => {
      const loss = new DiceLoss({ class_weight: c.weight });
      const [value, grad] = tf.tidy(() => {
        const label = tf.tensor3d(c.label.data, c.label.shape as [number, number, number], 'int32');
        const { value: v, grad: g } = tf.valueAndGrad((x: tf.Tensor) => loss.forward(x as tf.Tensor4D, label))(nhwc(c.logits));
        return [v.dataSync()[0]!, tf.transpose(g, [0, 3, 1, 2]).dataSync()];
      });
      expect(value).to.be.closeTo(c.loss, 1e-5 * c.loss);
      expect(maxAbsDiff(grad, Float64Array.from(c.grad.data)) / maxAbs(Float64Array.from(c.grad.data))).to.be.at.most(1e-4);
    });
  }

  it('leaves pixels labelled ignore_index out of every sum', () => {
    const loss = new DiceLoss();
    const [withIgnored, cropped] = tf.tidy(() => {
      const logits = tf.randomNormal([1, 2, 3, 4], 0, 1, 'float32', 3) as tf.Tensor4D;
      const label = tf.tensor3d([[[0, 1, 2], [3, 255, 255]]], [1, 2, 3], 'int32');
      const kept = tf.tensor3d([[[0, 1, 2, 3]]], [1, 1, 4], 'int32');
      const keptLogits = tf.reshape(tf.gather(tf.reshape(logits, [6, 4]), [0, 1, 2, 3]), [1, 1, 4, 4]) as tf.Tensor4D;
      return [loss.forward(logits, label, 255).dataSync()[0]!, loss.forward(keptLogits, kept, 255).dataSync()[0]!];
    });
    expect(withIgnored).to.be.closeTo(cropped, 1e-6);
  });

  it("is HiFormer's 0.4·CE + 0.6·Dice as a loss_decode list, summed under each loss_name", () => {
    const head = new FCNHead({
      in_channels: 4, channels: 4, num_classes: 3, num_convs: 0, concat_input: false, dropout_ratio: 0,
      loss_decode: [{ type: 'CrossEntropyLoss', loss_weight: 0.4 }, { type: 'DiceLoss', loss_weight: 0.6 }],
    });
    const values = tf.tidy(() => {
      const x = tf.randomNormal([2, 4, 4, 4], 0, 1, 'float32', 5) as tf.Tensor4D;
      const label = tf.randomUniformInt([2, 4, 4], 0, 3, 6) as tf.Tensor3D;
      const losses = head.loss([x], { label });
      const logits = head.forward([x]);
      const ce = tf.mul(tf.losses.softmaxCrossEntropy(tf.oneHot(label, 3), logits), 0.4);
      const dice = new DiceLoss({ loss_weight: 0.6 }).forward(logits, label);
      return [losses.loss_ce.dataSync()[0]!, ce.dataSync()[0]!, losses.loss_dice.dataSync()[0]!, dice.dataSync()[0]!];
    });
    expect(values[0]).to.be.closeTo(values[1], 1e-5);
    expect(values[2]).to.be.closeTo(values[3], 1e-6);
    head.dispose();
  });

  it('names a class_weight of the wrong length, and a bad option', () => {
    const logits = tf.zeros([1, 2, 2, 3]) as tf.Tensor4D;
    const label = tf.zeros([1, 2, 2], 'int32') as tf.Tensor3D;
    expect(() => new DiceLoss({ class_weight: [1, 1] }).forward(logits, label)).to.throw(
      'DiceLoss.class_weight has 2 entries but the head predicts 3 classes',
    );
    expect(() => new DiceLoss({ smooth: -1 })).to.throw('DiceLoss.smooth: must be >= 0');
    tf.dispose([logits, label]);
  });
});
