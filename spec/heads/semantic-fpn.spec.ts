import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { SeMaskSwinTransformer } from '../../lib/backbones/semask-swin.js';
import { BranchFPNHead } from '../../heads/semantic-fpn.js';
import { EncoderDecoder, totalLoss } from '../../lib/segmentors/encoder-decoder.js';
import { CrossEntropyLoss } from '../../lib/losses/cross-entropy.js';
import { interpolate } from '../../lib/nn/resize.js';
import { manualSeed } from '../../lib/random.js';

function semaskFpn(numClasses = 4) {
  return new EncoderDecoder({
    backbone: new SeMaskSwinTransformer({ embed_dims: 8, depths: [1, 1, 1, 1], num_heads: [1, 1, 2, 2], num_cls: numClasses, sem_window_size: 7 }),
    decode_head: new BranchFPNHead({
      in_channels: [8, 16, 32, 64],
      in_index: [0, 1, 2, 3],
      feature_strides: [4, 8, 16, 32],
      channels: 16,
      num_classes: numClasses,
      norm_cfg: { type: 'BN' },
    }),
  });
}

describe('BranchFPNHead (SeMask-FPN)', () => {
  it('has the official structure: scale_heads.{i}.{0,2,4} ConvModules, no parameters in the semantic decoder', () => {
    const model = semaskFpn();
    const names = [...model.decodeHead.namedState()].map(([k]) => k).filter((k) => k.endsWith('conv.weight'));
    expect(names).to.deep.equal([
      'scale_heads.0.0.conv.weight',
      'scale_heads.1.0.conv.weight',
      'scale_heads.2.0.conv.weight',
      'scale_heads.2.2.conv.weight',
      'scale_heads.3.0.conv.weight',
      'scale_heads.3.2.conv.weight',
      'scale_heads.3.4.conv.weight',
    ]);
    model.dispose();
  });

  it('trains with loss_ce + 0.4 x CE of the summed, upsampled prior maps, and predicts from the seg logits alone', () => {
    manualSeed(3);
    const model = semaskFpn();
    const img = tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const label = tf.randomUniformInt([2, 64, 64], 0, 4, 5) as tf.Tensor3D;
    const head = model.decodeHead as BranchFPNHead;
    model.eval(); // deterministic (no dropout) for the comparison
    const losses = model.loss(img, { label });
    expect(Object.keys(losses)).to.deep.equal(['decode.loss_ce', 'decode.acc_seg', 'decode.loss_cate']);
    // the semantic term recomputed from the backbone's prior maps
    const { priors } = (model.backbone as SeMaskSwinTransformer).forwardWithPriors(img);
    const sem = interpolate(head.semanticLogits(priors), { size: [64, 64] });
    const expected = new CrossEntropyLoss().forward(sem, label, 255).dataSync()[0]! * 0.4;
    expect(losses['decode.loss_cate']!.dataSync()[0]).to.be.closeTo(expected, 1e-5);
    expect(model.encodeDecode(img).shape).to.deep.equal([2, 64, 64, 4]);

    model.train();
    const optimizer = tf.train.adam(5e-3);
    const vars = model.trainableParameters().map(([, v]) => v);
    const history: number[] = [];
    for (let step = 0; step < 6; step++) {
      const { value, grads } = tf.variableGrads(() => totalLoss(model.loss(img, { label })), vars);
      optimizer.applyGradients(grads as tf.NamedTensorMap as Record<string, tf.Variable>);
      history.push(value.dataSync()[0]!);
      tf.dispose([value, ...Object.values(grads)]);
    }
    expect(history[5]).to.be.below(history[0]);
    model.dispose();
  });

  it('names a backbone without prior maps', () => {
    const head = new BranchFPNHead({ in_channels: [8], in_index: [0], feature_strides: [4], channels: 8, num_classes: 3 });
    const label = tf.zeros([1, 16, 16], 'int32') as tf.Tensor3D;
    expect(() => head.loss([tf.zeros([1, 4, 4, 8]) as tf.Tensor4D], { label })).to.throw(
      'BranchFPNHead needs the prior maps of a SeMask backbone (SeMaskSwinTransformer)',
    );
  });
});
