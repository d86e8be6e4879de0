/**
 * UPerHead (UPerNet, arXiv 1807.10221) as mmseg builds it: a Pyramid Pooling Module on the last level, lateral 1×1
 * convs, a top-down path, 3×3 fpn convs, concatenation at 1/4 and `fpn_bottleneck`, then `conv_seg`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module, ModuleList, adaptiveAvgPool2d, concat, interpolate, resizeLike, topDown } from '../lib/nn/index.js';
import { ConvModule, type ActCfg, type NormCfg } from '../lib/nn/conv-module.js';
import { defineOptions, option, type OptionsInput } from '../lib/config/declare.js';
import { resolveOptions } from '../lib/config/resolve.js';
import { positiveInts } from '../lib/config/schema-parts.js';
import { registries, type BuildContext } from '../lib/registry.js';
import { BaseDecodeHead, DecodeHeadOptions } from './decode-head.js';

/**
 * One PPM branch, `psp_modules.{k}`: adaptive average pooling (index 0, no parameters) then a 1×1 ConvModule
 * (index 1), so the conv is named `psp_modules.{k}.1.conv` as in mmseg.
 */
class PoolingBranch extends Module {
  readonly conv: ConvModule;

  constructor(
    readonly scale: number,
    inChannels: number,
    channels: number,
    normCfg: NormCfg | null,
    actCfg: ActCfg | null,
  ) {
    super();
    this.conv = this.addModule('1', new ConvModule(inChannels, channels, 1, { normCfg, actCfg }));
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return this.conv.forward(adaptiveAvgPool2d(x, this.scale)) as tf.Tensor4D;
  }
}

/** Pyramid Pooling Module: each branch pooled, projected and upsampled back to the input size. */
export class PPM extends ModuleList<PoolingBranch> {
  constructor(
    poolScales: number[],
    inChannels: number,
    channels: number,
    normCfg: NormCfg | null,
    actCfg: ActCfg | null,
    readonly alignCorners: boolean,
  ) {
    super(poolScales.map((s) => new PoolingBranch(s, inChannels, channels, normCfg, actCfg)));
  }

  forward(x: tf.Tensor4D): tf.Tensor4D[] {
    const [, h, w] = x.shape;
    return this.items.map((branch) => interpolate(branch.forward(x), { size: [h, w], alignCorners: this.alignCorners }));
  }
}

export const UPerHeadOptions = defineOptions(
  'UPerHead',
  'UPerNet: pyramid pooling on the last level, then FPN fusion of all levels at the finest, fpn_bottleneck, conv_seg',
  {
    ...DecodeHeadOptions.properties,
    pool_scales: option(positiveInts, [1, 2, 3, 6], 'output sizes of the pyramid pooling branches'),
  },
);
export type UPerHeadOptions = OptionsInput<typeof UPerHeadOptions>;

export class UPerHead extends BaseDecodeHead {
  readonly pspModules: PPM;
  readonly bottleneck: ConvModule;
  readonly lateralConvs: ModuleList<ConvModule>;
  readonly fpnConvs: ModuleList<ConvModule>;
  readonly fpnBottleneck: ConvModule;

  constructor(options: UPerHeadOptions, ctx?: BuildContext) {
    const o = resolveOptions(UPerHeadOptions, options, ctx);
    super({ ...o, input_transform: 'multiple_select' });
    const inChannels = this.inChannels as number[];
    const poolScales = o.pool_scales;
    const top = inChannels[inChannels.length - 1];
    const conv = (i: number, k: number) =>
      new ConvModule(i, this.channels, k, { padding: Math.floor(k / 2), normCfg: this.normCfg, actCfg: this.actCfg });
    this.pspModules = this.addModule(
      'psp_modules',
      new PPM(poolScales, top, this.channels, this.normCfg, this.actCfg, this.alignCorners),
    );
    this.bottleneck = this.addModule('bottleneck', conv(top + poolScales.length * this.channels, 3));
    this.lateralConvs = this.addModule('lateral_convs', new ModuleList(inChannels.slice(0, -1).map((c) => conv(c, 1))));
    this.fpnConvs = this.addModule('fpn_convs', new ModuleList(inChannels.slice(0, -1).map(() => conv(this.channels, 3))));
    this.fpnBottleneck = this.addModule('fpn_bottleneck', conv(inChannels.length * this.channels, 3));
  }

  #pspForward(x: tf.Tensor4D): tf.Tensor4D {
    return this.bottleneck.forward(concat([x, ...this.pspModules.forward(x)], -1)) as tf.Tensor4D;
  }

  forward(inputs: tf.Tensor4D[]): tf.Tensor4D {
    return tf.tidy(() => {
      const xs = this.transformInputs(inputs);
      const lateral = this.lateralConvs.items.map((conv, i) => conv.forward(xs[i]) as tf.Tensor4D);
      const laterals = topDown([...lateral, this.#pspForward(xs[xs.length - 1])], this.alignCorners);
      const outs = this.fpnConvs.items.map((conv, i) => conv.forward(laterals[i]) as tf.Tensor4D);
      outs.push(laterals[laterals.length - 1]);
      const fused = concat(outs.map((o) => resizeLike(o, outs[0], this.alignCorners)), -1);
      return this.clsSeg(this.fpnBottleneck.forward(fused) as tf.Tensor4D);
    });
  }
}

registries.head.register('UPerHead', { schema: UPerHeadOptions, build: (o, ctx) => new UPerHead(o, ctx) });
