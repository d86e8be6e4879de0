/** FCNHead (arXiv 1411.4038) as mmseg builds it; with Swin it is the auxiliary head on stage 3. */
import * as tf from '@tensorflow/tfjs-core';
import { Sequential, concat } from '../lib/nn/index.js';
import { ConvModule } from '../lib/nn/conv-module.js';
import { Type } from '@sinclair/typebox';
import { defineOptions, option, type OptionsInput } from '../lib/config/declare.js';
import { resolveOptions } from '../lib/config/resolve.js';
import { positiveInt } from '../lib/config/schema-parts.js';
import { registries, type BuildContext } from '../lib/registry.js';
import { BaseDecodeHead, DecodeHeadOptions } from './decode-head.js';

export const FCNHeadOptions = defineOptions('FCNHead', 'FCN: a stack of convs, then conv_seg (the usual auxiliary head)', {
  ...DecodeHeadOptions.properties,
  num_convs: option(Type.Integer({ minimum: 0 }), 2, 'convs before conv_seg'),
  kernel_size: option(positiveInt, 3, 'kernel of the convs'),
  concat_input: option(Type.Boolean(), true, 'concatenate the input with the conv output, then conv_cat, before conv_seg'),
  dilation: option(positiveInt, 1, 'dilation of the convs'),
});
export type FCNHeadOptions = OptionsInput<typeof FCNHeadOptions>;

export class FCNHead extends BaseDecodeHead {
  readonly convs?: Sequential;
  readonly convCat?: ConvModule;

  constructor(options: FCNHeadOptions, ctx?: BuildContext) {
    const o = resolveOptions(FCNHeadOptions, options, ctx);
    super(o);
    const numConvs = o.num_convs;
    const k = o.kernel_size;
    const dilation = o.dilation;
    const inChannels = this.inChannels as number;
    if (numConvs === 0 && inChannels !== this.channels) {
      throw new Error(`FCNHead with num_convs 0 needs in_channels (${inChannels}) == channels (${this.channels})`);
    }
    const conv = (i: number) =>
      new ConvModule(i, this.channels, k, {
        padding: Math.floor(k / 2) * dilation,
        dilation,
        normCfg: this.normCfg,
        actCfg: this.actCfg,
      });
    if (numConvs > 0) {
      this.convs = this.addModule(
        'convs',
        new Sequential(Array.from({ length: numConvs }, (_, i) => conv(i === 0 ? inChannels : this.channels))),
      );
    }
    if (o.concat_input) {
      this.convCat = this.addModule(
        'conv_cat',
        new ConvModule(inChannels + this.channels, this.channels, k, {
          padding: Math.floor(k / 2),
          normCfg: this.normCfg,
          actCfg: this.actCfg,
        }),
      );
    }
  }

  forward(inputs: tf.Tensor4D[]): tf.Tensor4D {
    return tf.tidy(() => {
      const [x] = this.transformInputs(inputs);
      let y = this.convs ? (this.convs.forward(x) as tf.Tensor4D) : x;
      if (this.convCat) y = this.convCat.forward(concat([x, y], -1)) as tf.Tensor4D;
      return this.clsSeg(y);
    });
  }
}

registries.head.register('FCNHead', { schema: FCNHeadOptions, build: (o, ctx) => new FCNHead(o, ctx) });
