/**
 * FPN (Lin et al., arXiv 1612.03144) as mmseg's `FPN` neck (mmseg/models/necks/fpn.py): 1×1 lateral ConvModules, a
 * top-down path adding to each level its upper level resized to its size (nearest by default), 3×3 output
 * ConvModules, and optional extra levels above the last one (stride-2 subsampling, or stride-2 3×3 convs).
 * Parameter names are mmseg's: `lateral_convs.{k}.conv.*`, `fpn_convs.{k}.conv.*` (and `.bn.*` / `.gn.*` with a norm).
 * With mmseg's defaults (no norm, no activation) every conv has a bias.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module, ModuleList, add, interpolate } from '../nn/index.js';
import { ConvModule } from '../nn/conv-module.js';
import { Type } from '@sinclair/typebox';
import { choice, defineOptions, option, optional, required, type OptionsInput, type ResolvedOptions } from '../config/declare.js';
import { resolveOptions } from '../config/resolve.js';
import { convNormCfg, positive, positiveInt, positiveInts, reluActCfg } from '../config/schema-parts.js';
import { registries, type BuildContext } from '../registry.js';

const extraConvsSources = choice(['on_input', 'on_lateral', 'on_output']);
/** Where the first extra conv reads: the last used backbone level, its lateral, or the last FPN output. */
export type ExtraConvsSource = (typeof extraConvsSources)['static'];

export const FPNOptions = defineOptions(
  'FPN',
  "mmseg's FPN neck: 1×1 lateral convs, top-down resize + add, 3×3 output convs, optional extra levels on top",
  {
    in_channels: required(positiveInts, 'channels of each input level, finest first'),
    out_channels: required(positiveInt, 'channels of every output level'),
    num_outs: required(positiveInt, 'output levels; more than the used inputs adds extra levels on top'),
    start_level: option(Type.Integer({ minimum: 0 }), 0, 'first input level used'),
    end_level: option(
      Type.Integer({ minimum: -1 }),
      -1,
      'end of the used input levels (exclusive); -1: all. With an end level no extra level is allowed',
    ),
    add_extra_convs: option(
      Type.Union([Type.Boolean(), extraConvsSources]),
      false,
      'extra levels by stride-2 convs reading from this source (true: see extra_convs_on_inputs); false: by subsampling',
    ),
    extra_convs_on_inputs: option(
      Type.Boolean(),
      false,
      "deprecated in mmseg: with add_extra_convs true, 'on_input' (true) or 'on_output' (false)",
    ),
    relu_before_extra_convs: option(Type.Boolean(), false, 'ReLU before every extra conv but the first'),
    no_norm_on_lateral: option(Type.Boolean(), false, 'no norm on the lateral convs'),
    conv_cfg: optional(Type.Null(), 'only null: plain convs'),
    norm_cfg: option(convNormCfg, null, 'norm of every conv (BN, SyncBN or GN); null: none'),
    act_cfg: option(reluActCfg, null, 'activation of every conv; null: none'),
    upsample_cfg: option(
      Type.Object(
        {
          mode: option(choice(['nearest', 'bilinear', 'bicubic']), 'nearest', 'interpolation'),
          scale_factor: optional(positive, 'a fixed factor; absent: the size of the lower level'),
          align_corners: optional(Type.Boolean(), "F.interpolate's align_corners"),
        },
        { additionalProperties: false },
      ),
      { mode: 'nearest' },
      'F.interpolate arguments of the top-down path',
    ),
  },
);
export type FPNOptions = OptionsInput<typeof FPNOptions>;

export class FPN extends Module {
  readonly lateralConvs: ModuleList<ConvModule>;
  readonly fpnConvs: ModuleList<ConvModule>;
  readonly inChannels: number[];
  readonly numOuts: number;
  readonly startLevel: number;
  /** Index after the last used input level. */
  readonly backboneEndLevel: number;
  readonly addExtraConvs: false | ExtraConvsSource;
  readonly reluBeforeExtraConvs: boolean;
  readonly upsampleCfg: ResolvedOptions<typeof FPNOptions>['upsample_cfg'];

  constructor(options: FPNOptions, ctx?: BuildContext) {
    super();
    const o = resolveOptions(FPNOptions, options, ctx);
    const { in_channels: inChannels, out_channels: outChannels, num_outs: numOuts, end_level: endLevel } = o;
    const numIns = inChannels.length;
    this.inChannels = inChannels;
    this.numOuts = numOuts;
    this.startLevel = o.start_level;
    if (endLevel === -1) {
      this.backboneEndLevel = numIns;
      if (numOuts < numIns - this.startLevel) {
        throw new Error(`FPN: num_outs ${numOuts} is less than the ${numIns - this.startLevel} used input levels`);
      }
    } else {
      this.backboneEndLevel = endLevel;
      if (endLevel > numIns) throw new Error(`FPN: end_level ${endLevel} is beyond the ${numIns} input levels`);
      if (numOuts !== endLevel - this.startLevel) {
        throw new Error(`FPN: with end_level ${endLevel}, num_outs must be end_level - start_level = ${endLevel - this.startLevel}`);
      }
    }
    const extra = o.add_extra_convs;
    this.addExtraConvs = extra === true ? (o.extra_convs_on_inputs ? 'on_input' : 'on_output') : extra;
    this.reluBeforeExtraConvs = o.relu_before_extra_convs;
    this.upsampleCfg = o.upsample_cfg;
    const { norm_cfg: normCfg, act_cfg: actCfg } = o;
    const lateral: ConvModule[] = [];
    const fpn: ConvModule[] = [];
    for (let i = this.startLevel; i < this.backboneEndLevel; i++) {
      lateral.push(new ConvModule(inChannels[i], outChannels, 1, { normCfg: o.no_norm_on_lateral ? null : normCfg, actCfg }));
      fpn.push(new ConvModule(outChannels, outChannels, 3, { padding: 1, normCfg, actCfg }));
    }
    const extraLevels = numOuts - this.backboneEndLevel + this.startLevel;
    if (this.addExtraConvs) {
      for (let i = 0; i < extraLevels; i++) {
        const inCh = i === 0 && this.addExtraConvs === 'on_input' ? inChannels[this.backboneEndLevel - 1] : outChannels;
        fpn.push(new ConvModule(inCh, outChannels, 3, { stride: 2, padding: 1, normCfg, actCfg }));
      }
    }
    this.lateralConvs = this.addModule('lateral_convs', new ModuleList(lateral));
    this.fpnConvs = this.addModule('fpn_convs', new ModuleList(fpn));
  }

  /** The upper level `x` resized onto the lower level `like` for the top-down sum. */
  #upsample(x: tf.Tensor4D, like: tf.Tensor4D): tf.Tensor4D {
    const { mode, scale_factor: scaleFactor, align_corners: alignCorners } = this.upsampleCfg;
    if (scaleFactor !== undefined) return interpolate(x, { scaleFactor, mode, alignCorners });
    return interpolate(x, { size: [like.shape[1], like.shape[2]], mode, alignCorners });
  }

  /** One [B, H_i, W_i, C_i] map per input level, finest first -> `num_outs` maps [B, H_k, W_k, out_channels]. */
  forward(inputs: tf.Tensor4D[]): tf.Tensor4D[] {
    if (inputs.length !== this.inChannels.length) {
      throw new Error(`FPN expects ${this.inChannels.length} input levels (in_channels), got ${inputs.length}`);
    }
    return tf.tidy(() => {
      const laterals = this.lateralConvs.items.map((conv, i) => conv.forward(inputs[i + this.startLevel]) as tf.Tensor4D);
      // top-down: each level gains the resized level above it, from the top
      for (let i = laterals.length - 1; i > 0; i--) laterals[i - 1] = add(laterals[i - 1], this.#upsample(laterals[i], laterals[i - 1]));
      const used = laterals.length;
      const outs = laterals.map((l, i) => this.fpnConvs.at(i).forward(l) as tf.Tensor4D);
      if (this.numOuts > used && !this.addExtraConvs) {
        // F.max_pool2d(x, 1, stride=2): every other row and column
        while (outs.length < this.numOuts) {
          const top = outs[outs.length - 1];
          outs.push(tf.stridedSlice(top, [0, 0, 0, 0], top.shape, [1, 2, 2, 1]) as tf.Tensor4D);
        }
      } else if (this.numOuts > used) {
        const source = { on_input: inputs[this.backboneEndLevel - 1], on_lateral: laterals[used - 1], on_output: outs[used - 1] };
        outs.push(this.fpnConvs.at(used).forward(source[this.addExtraConvs as ExtraConvsSource]) as tf.Tensor4D);
        for (let i = used + 1; i < this.numOuts; i++) {
          const top = outs[outs.length - 1];
          outs.push(this.fpnConvs.at(i).forward(this.reluBeforeExtraConvs ? tf.relu(top) : top) as tf.Tensor4D);
        }
      }
      return outs;
    });
  }
}

registries.neck.register('FPN', { schema: FPNOptions, build: (o, ctx) => new FPN(o, ctx) });
