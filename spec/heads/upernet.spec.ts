import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { SwinTransformer, SWIN_PRESETS, type SwinOptions } from '../../lib/backbones/swin.js';
import { UPerHead } from '../../heads/uper.js';
import { FCNHead } from '../../heads/fcn.js';
import { EncoderDecoder, totalLoss } from '../../lib/segmentors/encoder-decoder.js';
import { CrossEntropyLoss } from '../../lib/losses/cross-entropy.js';
import { manualSeed } from '../../lib/random.js';

const BN = { type: 'SyncBN' } as const;

function upernetSwin({ channels, num_classes, ...swin }: SwinOptions & { embed_dims: number; channels: number; num_classes: number }) {
  const dims = [0, 1, 2, 3].map((i) => swin.embed_dims * 2 ** i);
  return new EncoderDecoder({
    backbone: new SwinTransformer({ ...swin, drop_path_rate: 0.3 }),
    decode_head: new UPerHead({ in_channels: dims, in_index: [0, 1, 2, 3], channels, num_classes, norm_cfg: BN }),
    auxiliary_head: new FCNHead({
      in_channels: dims[2],
      in_index: 2,
      channels: channels / 2,
      num_convs: 1,
      concat_input: false,
      num_classes,
      norm_cfg: BN,
      loss_decode: new CrossEntropyLoss({ loss_weight: 0.4 }),
    }),
  });
}

describe('UPerNet + Swin', () => {
  it('Swin-T UPerNet with 150 classes has the parameter count of mmseg (59.94M)', () => {
    const model = upernetSwin({ ...SWIN_PRESETS['swin-t'], channels: 512, num_classes: 150 });
    const count = (m: { numParameters(): number }) => m.numParameters();
    // Swin-T classifier 28,288,354 - head 769,000 - final norm 1,536 + norm0..3 2,880
    expect(count(model.backbone)).to.equal(27_520_698);
    // PPM 4·(768·512 + 1024) + bottleneck 2816·512·9 + 1024 + laterals 672·512 + 3·1024
    // + fpn convs 3·(512·512·9 + 1024) + fpn_bottleneck 2048·512·9 + 1024 + conv_seg 512·150 + 150
    expect(count(model.decodeHead)).to.equal(31_497_366);
    // conv 384·256·9 + BN 512 + conv_seg 256·150 + 150
    expect(count(model.auxiliaryHeads[0])).to.equal(923_798);
    expect(count(model)).to.equal(59_941_862);
    const names = [...model.namedState()].map(([k]) => k);
    expect(names).to.include.members([
      'backbone.layers.2.blocks.5.attn.relative_position_bias_table',
      'backbone.norm3.weight',
      'decode_head.psp_modules.3.1.conv.weight',
      'decode_head.psp_modules.0.1.bn.num_batches_tracked',
      'decode_head.bottleneck.bn.running_var',
      'decode_head.lateral_convs.2.conv.weight',
      'decode_head.fpn_convs.0.bn.weight',
      'decode_head.fpn_bottleneck.conv.weight',
      'decode_head.conv_seg.bias',
      'auxiliary_head.convs.0.conv.weight',
      'auxiliary_head.conv_seg.weight',
    ]);
    expect(names).to.not.include('decode_head.bottleneck.conv.bias'); // ConvModule + BN has no conv bias
    model.dispose();
  });

  it('gives logits at 1/4 of the input in the head and at the input size from encodeDecode, for odd sizes', () => {
    const model = upernetSwin({ embed_dims: 16, depths: [2, 2, 2, 2], num_heads: [1, 2, 2, 4], window_size: 7, channels: 32, num_classes: 5 }).eval();
    const img = tf.randomNormal([2, 70, 45, 3]) as tf.Tensor4D;
    const feats = model.extractFeat(img);
    expect(feats.map((f) => f.shape)).to.deep.equal([
      [2, 18, 12, 16],
      [2, 9, 6, 32],
      [2, 5, 3, 64],
      [2, 3, 2, 128],
    ]);
    expect(model.decodeHead.forward(feats).shape).to.deep.equal([2, 18, 12, 5]);
    expect(model.encodeDecode(img).shape).to.deep.equal([2, 70, 45, 5]);
    model.dispose();
  });

  it('a few training steps of a tiny Swin + UPerNet lower the loss, reporting decode and aux terms', () => {
    manualSeed(0);
    const model = upernetSwin({ embed_dims: 16, depths: [2, 2, 2, 2], num_heads: [1, 2, 2, 4], window_size: 7, channels: 32, num_classes: 4 });
    const img = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    // label: class by quadrant (0..3), every 17th pixel ignored
    const quadrants = Int32Array.from({ length: 2 * 32 * 32 }, (_, i) => {
      const p = i % 1024;
      return p % 17 === 0 ? 255 : 2 * Number(Math.floor(p / 32) > 15) + Number(p % 32 > 15);
    });
    const label = tf.tensor3d(quadrants, [2, 32, 32], 'int32');
    const optimizer = tf.train.adam(5e-3);
    const vars = model.trainableParameters().map(([, v]) => v);
    const history: number[] = [];
    let keys: string[] = [];
    for (let step = 0; step < 8; step++) {
      const { value, grads } = tf.variableGrads(() => {
        const losses = model.loss(img, { label });
        keys = Object.keys(losses);
        return totalLoss(losses);
      }, vars);
      optimizer.applyGradients(grads as tf.NamedTensorMap as Record<string, tf.Variable>);
      history.push(value.dataSync()[0]);
      tf.dispose([value, ...Object.values(grads)]);
    }
    expect(keys).to.deep.equal(['decode.loss_ce', 'decode.acc_seg', 'aux.loss_ce', 'aux.acc_seg']);
    expect(history[7]).to.be.below(history[0] * 0.8);
    model.dispose();
  });
});
