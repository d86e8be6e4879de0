/**
 * HiFormer's decoder (github amirhossein-kz/HiFormer, models/HiFormer.py and models/Decoder.py), on All2Cross's two
 * levels (lib/backbones/hiformer.ts) without their CLS tokens: the 1/4 map through `ConvUp_l` (3×3 conv, GroupNorm 32,
 * ReLU), the 1/16 map through `ConvUp_s` (the same, then ×2 bilinear, twice), their sum through `conv_pred` (1×1 conv,
 * ReLU, ×4 bilinear) and `segmentation_head` (3×3 conv to the classes): logits at the input size. Official names
 * (`ConvUp_s.convs_level.{0,1,4,5}`, `conv_pred.0`, `segmentation_head.0`) under the head; the adapter of
 * heads/hiformer-checkpoint.ts maps official whole-model checkpoints.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Type } from '@sinclair/typebox';
import { Conv2d, GroupNorm, Module, ReLU, Sequential, Upsample, type Layer } from '../lib/nn/index.js';
import { constant, defineOptions, option, optional, type OptionsInput } from '../lib/config/declare.js';
import { resolveOptions } from '../lib/config/resolve.js';
import { positiveInt } from '../lib/config/schema-parts.js';
import { registries, type BuildContext } from '../lib/registry.js';
import { BaseDecodeHead, DecodeHeadOptions } from './decode-head.js';
import { hiformerHeadCheckpointAdapter } from './hiformer-checkpoint.js';

/** The decoder's ×k upsampling: bilinear, align_corners false. */
const up = (scaleFactor: number) => new Upsample({ scaleFactor, mode: 'bilinear', alignCorners: false });

/** Decoder.py's `ConvUpsample`: per width, 3×3 conv (no bias) -> GroupNorm(32) -> ReLU [-> ×2], as `convs_level`. */
export class ConvUpsample extends Module implements Layer {
  readonly convsLevel: Sequential;

  constructor(inChannels: number, outChannels: number[], upsample: boolean) {
    super();
    const layers = outChannels.flatMap((out, i): Layer[] => [
      new Conv2d(i === 0 ? inChannels : outChannels[i - 1], out, 3, { padding: 1, bias: false }),
      new GroupNorm(32, out),
      new ReLU(),
      ...(upsample ? [up(2)] : []),
    ]);
    this.convsLevel = this.addModule('convs_level', new Sequential(layers));
  }

  /** [B, H, W, in] -> [B, H·2^k, W·2^k, out] (k = the number of widths when upsampling, else 0) */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return this.convsLevel.forward(x) as tf.Tensor4D;
  }
}

const pairOf = Type.Array(positiveInt, { minItems: 2, maxItems: 2 });

export const HiFormerHeadOptions = defineOptions(
  'HiFormerHead',
  "HiFormer's decoder: the 1/4 level (ConvUp_l) plus the 1/16 level upsampled ×4 (ConvUp_s), conv_pred, ×4 to the " +
    'input size, segmentation_head',
  {
    ...DecodeHeadOptions.properties,
    in_channels: option(pairOf, [96, 384], 'widths of the 1/4 and the 1/16 level (All2Cross outputs 0 and 1)'),
    channels: option(positiveInt, 128, 'width of ConvUp_l and ConvUp_s (GroupNorm with 32 groups: a multiple of 32)'),
    in_index: option(Type.Array(Type.Integer(), { minItems: 2, maxItems: 2 }), [0, 1], 'the 1/4 and the 1/16 level'),
    input_transform: option(constant('multiple_select'), 'multiple_select', 'only multiple_select: one path per level'),
    pred_channels: option(positiveInt, 16, 'output channels of conv_pred, the input of segmentation_head'),
    dropout_ratio: option(constant(0), 0, 'only 0: HiFormer has no dropout'),
    norm_cfg: optional(Type.Null(), 'only null: the convs of ConvUp_l / ConvUp_s have GroupNorm(32), conv_pred none'),
    act_cfg: optional(Type.Null(), 'only null: ReLU throughout, fixed by the architecture'),
  },
);
export type HiFormerHeadOptions = OptionsInput<typeof HiFormerHeadOptions>;

export class HiFormerHead extends BaseDecodeHead {
  /** Official HiFormer checkpoints, named at the model level (heads/hiformer-checkpoint.ts). */
  static override readonly checkpointAdapter = hiformerHeadCheckpointAdapter;

  readonly convUpS: ConvUpsample;
  readonly convUpL: ConvUpsample;
  readonly segmentationHead: Sequential;
  readonly convPred: Sequential;

  constructor(options: HiFormerHeadOptions, ctx?: BuildContext) {
    const o = resolveOptions(HiFormerHeadOptions, options, ctx);
    if (o.channels % 32 !== 0) {
      throw new Error(`${ctx?.path ?? 'HiFormerHead'}.channels: ${o.channels} is not a multiple of 32 (GroupNorm with 32 groups)`);
    }
    super({ ...o, input_transform: 'multiple_select', norm_cfg: null, act_cfg: null }, { conv_seg: false });
    const [low, high] = this.inChannels as number[];
    this.convUpS = this.addModule('ConvUp_s', new ConvUpsample(high, [this.channels, this.channels], true));
    this.convUpL = this.addModule('ConvUp_l', new ConvUpsample(low, [this.channels], false));
    const classifier = new Conv2d(o.pred_channels, this.numClasses, 3, { padding: 1 });
    this.segmentationHead = this.addModule('segmentation_head', new Sequential([classifier]));
    this.convPred = this.addModule('conv_pred', new Sequential([new Conv2d(this.channels, o.pred_channels, 1), new ReLU(), up(4)]));
  }

  /** [the 1/4 map [B, H/4, W/4, C1], the 1/16 map [B, H/16, W/16, C3], ...] -> logits [B, H, W, num_classes] */
  forward(inputs: tf.Tensor4D[]): tf.Tensor4D {
    return tf.tidy(() => {
      const [low, high] = this.transformInputs(inputs);
      const fused = tf.add(this.convUpL.forward(low), this.convUpS.forward(high));
      return this.segmentationHead.forward(this.convPred.forward(fused)) as tf.Tensor4D;
    });
  }
}

registries.head.register('HiFormerHead', { schema: HiFormerHeadOptions, build: (o, ctx) => new HiFormerHead(o, ctx) });
