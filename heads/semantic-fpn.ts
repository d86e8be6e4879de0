/**
 * SeMask's `BranchFPNHead`: Semantic FPN (arXiv 1901.02446) on the backbone features, plus the parameter-free
 * semantic decoder that upsamples each stage's prior map to 1/4 and sums them. Training loss:
 * `loss_ce` = CE(seg) and `loss_cate` = cate_w · CE(semantic); at test time only the seg logits are used.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module, ModuleList, interpolate } from '../lib/nn/index.js';
import { ConvModule } from '../lib/nn/conv-module.js';
import { Type } from '@sinclair/typebox';
import { defineOptions, option, type OptionsInput } from '../lib/config/declare.js';
import { resolveOptions } from '../lib/config/resolve.js';
import { positiveInts } from '../lib/config/schema-parts.js';
import { registries, type BuildContext } from '../lib/registry.js';
import type { Targets } from '../lib/segmentors/types.js';
import { BaseDecodeHead, DecodeHeadOptions } from './decode-head.js';

/** Number of ×2 steps from `stride` to the finest stride (at least one conv for the finest level). */
const steps = (stride: number, finest: number) => Math.max(1, Math.round(Math.log2(stride) - Math.log2(finest)));

/**
 * `scale_heads.{i}`: [ConvModule, Upsample ×2] repeated; the convs sit at the even indices of the official
 * nn.Sequential (`scale_heads.{i}.{0,2,4}`), the parameter-free upsamplings at the odd ones.
 */
class ScaleHead extends Module {
  readonly convs: ConvModule[] = [];

  constructor(
    inChannels: number,
    channels: number,
    count: number,
    readonly upsample: boolean,
    head: BranchFPNHead,
  ) {
    super();
    for (let k = 0; k < count; k++) {
      const conv = new ConvModule(k === 0 ? inChannels : channels, channels, 3, { padding: 1, normCfg: head.normCfg, actCfg: head.actCfg });
      this.convs.push(this.addModule(String(upsample ? 2 * k : k), conv));
    }
  }

  forward(x: tf.Tensor4D, alignCorners: boolean): tf.Tensor4D {
    return this.convs.reduce((h, conv) => {
      const y = conv.forward(h) as tf.Tensor4D;
      return this.upsample ? interpolate(y, { scaleFactor: 2, alignCorners }) : y;
    }, x);
  }
}

export const BranchFPNHeadOptions = defineOptions(
  'BranchFPNHead',
  "SeMask's semantic FPN: each level's scale head to 1/4, summed, conv_seg; in training also loss_cate, cate_w × CE of " +
    "the backbone's prior maps upsampled and summed. Needs SeMaskSwinTransformer",
  {
    ...DecodeHeadOptions.properties,
    feature_strides: option(positiveInts, [4, 8, 16, 32], 'strides of the inputs, finest first, powers of 2'),
    cate_w: option(Type.Number({ minimum: 0 }), 0.4, 'weight of the semantic (prior map) loss loss_cate'),
  },
);
export type BranchFPNHeadOptions = OptionsInput<typeof BranchFPNHeadOptions>;

export class BranchFPNHead extends BaseDecodeHead {
  readonly scaleHeads: ModuleList<ScaleHead>;
  readonly featureStrides: number[];
  readonly cateW: number;

  constructor(options: BranchFPNHeadOptions, ctx?: BuildContext) {
    const o = resolveOptions(BranchFPNHeadOptions, options, ctx);
    super({ ...o, input_transform: 'multiple_select' });
    const inChannels = this.inChannels as number[];
    if (o.feature_strides.length !== inChannels.length) {
      throw new Error(`feature_strides has ${o.feature_strides.length} entries for ${inChannels.length} inputs`);
    }
    if (Math.min(...o.feature_strides) !== o.feature_strides[0]) throw new Error('feature_strides must start with the finest stride');
    this.featureStrides = o.feature_strides;
    this.cateW = o.cate_w;
    const finest = o.feature_strides[0];
    const heads = o.feature_strides.map((s, i) => new ScaleHead(inChannels[i], this.channels, steps(s, finest), s !== finest, this));
    this.scaleHeads = this.addModule('scale_heads', new ModuleList(heads));
  }

  /** Seg logits [B, h, w, K] at the finest input's size. */
  forward(inputs: tf.Tensor4D[]): tf.Tensor4D {
    return tf.tidy(() => {
      const xs = this.transformInputs(inputs);
      const first = this.scaleHeads.at(0).forward(xs[0], this.alignCorners);
      const size: [number, number] = [first.shape[1], first.shape[2]];
      const summed = xs.slice(1).reduce(
        (acc, x, i) => tf.add(acc, interpolate(this.scaleHeads.at(i + 1).forward(x, this.alignCorners), { size, alignCorners: this.alignCorners })),
        first,
      ) as tf.Tensor4D;
      return this.clsSeg(summed);
    });
  }

  /** The semantic decoder: each selected prior map upsampled by ×2 steps to the finest level and summed. */
  semanticLogits(priors: tf.Tensor4D[]): tf.Tensor4D {
    return tf.tidy(() => {
      const maps = this.transformInputs(priors);
      const finest = this.featureStrides[0];
      const size: [number, number] = [maps[0].shape[1], maps[0].shape[2]];
      return maps.slice(1).reduce((acc, m, i) => {
        let up = m;
        for (let k = 0; k < steps(this.featureStrides[i + 1], finest); k++) up = interpolate(up, { scaleFactor: 2, alignCorners: this.alignCorners });
        return tf.add(acc, interpolate(up, { size, alignCorners: this.alignCorners })) as tf.Tensor4D;
      }, maps[0]);
    });
  }

  /** `loss_ce` (and acc_seg) of the seg logits, and `loss_cate` = cate_w · CE of the semantic logits, against `targets.label`. */
  override loss(inputs: tf.Tensor4D[], targets: Targets): Record<string, tf.Scalar> {
    const priors = targets.priors ?? [];
    if (priors.length === 0) throw new Error('BranchFPNHead needs the prior maps of a SeMask backbone (SeMaskSwinTransformer)');
    const label = this.labelOf(targets);
    const losses = this.lossByFeat(this.forward(inputs), targets);
    const [, h, w] = label.shape;
    const semantic = interpolate(this.semanticLogits(priors), { size: [h, w], alignCorners: this.alignCorners });
    const terms = this.losses.map((l) => l.forward(semantic, label, this.ignoreIndex));
    losses.loss_cate = tf.mul(tf.addN(terms), this.cateW) as tf.Scalar;
    return losses;
  }
}

registries.head.register('BranchFPNHead', {
  schema: BranchFPNHeadOptions,
  build: (o, ctx) => new BranchFPNHead(o, ctx),
});
