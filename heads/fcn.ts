/** FCNHead (arXiv 1411.4038) as mmseg builds it; with Swin it is the auxiliary head on stage 3. */
import * as tf from '@tensorflow/tfjs-core';
import { Sequential } from '../lib/nn/index.js';
import { ConvModule } from '../lib/nn/conv-module.js';
import { BaseDecodeHead, type DecodeHeadOptions } from './decode-head.js';

export interface FCNHeadOptions extends DecodeHeadOptions {
  /** Default 2. */
  numConvs?: number;
  /** Default 3. */
  kernelSize?: number;
  /** Concatenate the input with the conv output before classifying. Default true. */
  concatInput?: boolean;
  /** Dilation of the convs. Default 1. */
  dilation?: number;
}

export class FCNHead extends BaseDecodeHead {
  readonly convs?: Sequential;
  readonly convCat?: ConvModule;

  constructor(o: FCNHeadOptions) {
    super(o);
    const numConvs = o.numConvs ?? 2;
    const k = o.kernelSize ?? 3;
    const dilation = o.dilation ?? 1;
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
    if (o.concatInput ?? true) {
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
      if (this.convCat) y = this.convCat.forward(tf.concat([x, y], -1)) as tf.Tensor4D;
      return this.clsSeg(y);
    });
  }
}
