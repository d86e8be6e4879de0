import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { FCNHead } from '../../heads/fcn.js';
import { L1Loss } from '../../lib/losses/index.js';

const features = () => [tf.randomNormal([2, 4, 4, 8], 0, 1, 'float32', 1) as tf.Tensor4D];
const head = (o: object = {}) => new FCNHead({ in_channels: 8, channels: 8, num_classes: 3, num_convs: 1, dropout_ratio: 0, ...o });

describe('BaseDecodeHead training entry', () => {
  it('loss(features, targets) is lossByFeat of the forward: the label losses and acc_seg, logits resized to the label', () => {
    const fcn = head();
    const label = tf.randomUniformInt([2, 8, 8], 0, 3, 2) as tf.Tensor3D;
    const viaLoss = fcn.loss(features(), { label });
    const viaFeat = fcn.lossByFeat(fcn.forward(features()), { label });
    expect(Object.keys(viaLoss)).to.deep.equal(['loss_ce', 'acc_seg']);
    for (const k of Object.keys(viaLoss)) expect(viaLoss[k].dataSync()[0]).to.be.closeTo(viaFeat[k].dataSync()[0], 1e-6);
    fcn.dispose();
  });

  it('a head with depth losses trains on targets.depth; each kind names the target it misses and what provides it', () => {
    const depthHead = head({ num_classes: 1, loss_decode: new L1Loss() });
    const depth = tf.randomUniform([2, 8, 8], 0.5, 5, 'float32', 3) as tf.Tensor3D;
    const label = tf.zeros([2, 8, 8], 'int32') as tf.Tensor3D;
    expect(Object.keys(depthHead.loss(features(), { depth }))).to.deep.equal(['loss_l1']);
    expect(() => depthHead.loss(features(), { label })).to.throw(
      'FCNHead trains on depth maps (targets.depth, from a DepthEstimator), not on class labels',
    );
    expect(() => head().loss(features(), {})).to.throw('FCNHead trains on class labels (targets.label, from an EncoderDecoder)');
    expect(() => head().lossByFeat(tf.zeros([2, 4, 4, 3]) as tf.Tensor4D, { depth })).to.throw(
      'FCNHead trains on class labels (targets.label, from an EncoderDecoder), not on depth maps: a depth head has depth losses in loss_decode',
    );
  });
});
