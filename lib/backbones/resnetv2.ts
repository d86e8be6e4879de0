/**
 * ResNetV2 as timm 0.4.5 builds it for the hybrid ViT (R50+ViT-B/16, DPT-Hybrid): no pre-activation, weight-standardized
 * convs with TensorFlow's 'SAME' padding (`StdConv2dSame`), GroupNorm with 32 groups, a 7×7 stride-2 stem followed by a
 * 'SAME' 3×3 stride-2 max pool, bottleneck stages (stride 1, 2, 2, ...) without a classifier. timm's names:
 * `stem.{conv,norm}`, `stages.{s}.blocks.{b}.{downsample.conv,downsample.norm,conv1,norm1,conv2,norm2,conv3,norm3}`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { GroupNorm, Module, ModuleList, init, type Layer } from '../nn/index.js';
import { defineOptions, option, required, type OptionsInput } from '../config/declare.js';
import { resolveOptions } from '../config/resolve.js';
import { positiveInt, positiveInts } from '../config/schema-parts.js';

/** TensorFlow 'SAME' padding [before, after] of one axis: the odd pixel goes after. */
function samePadding(size: number, kernel: number, stride: number): [number, number] {
  const total = Math.max((Math.ceil(size / stride) - 1) * stride + kernel - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** x [B, H, W, C] padded for a 'SAME' window of `kernel` at `stride` with `value`. */
function padSame(x: tf.Tensor4D, kernel: number, stride: number, value = 0): tf.Tensor4D {
  const [, h, w] = x.shape;
  const [ph, pw] = [samePadding(h, kernel, stride), samePadding(w, kernel, stride)];
  if (ph[0] + ph[1] + pw[0] + pw[1] === 0) return x;
  return tf.pad(x, [[0, 0], ph, pw, [0, 0]], value);
}

/** timm's rounding of channel counts to a multiple of 8 (`make_div`). */
function makeDiv(v: number, divisor = 8): number {
  const rounded = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * v ? rounded + divisor : rounded;
}

/**
 * `StdConv2dSame` (no bias): each filter standardized to zero mean and unit (biased) std, w' = (w - mean) / (std + eps)
 * with eps 1e-5 (timm 0.4.5), then a 'SAME'-padded convolution. Weight `[k, k, in, out]` here (`[out, in, k, k]` in torch).
 */
export class StdConv2dSame extends Module implements Layer {
  readonly weight: tf.Variable;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    readonly stride = 1,
    readonly eps = 1e-5,
  ) {
    super();
    // timm's ResNetV2 init: kaiming_normal (fan_out, relu)
    this.weight = this.addParameter('weight', init.kaimingNormal([kernelSize, kernelSize, inChannels, outChannels], outChannels * kernelSize ** 2), 'conv');
  }

  /** [B, H, W, in] -> [B, ⌈H/s⌉, ⌈W/s⌉, out] */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(this.weight, [0, 1, 2], true);
      const w = tf.div(tf.sub(this.weight, mean), tf.add(tf.sqrt(variance), this.eps)) as tf.Tensor4D;
      return tf.conv2d(padSame(x, this.kernelSize, this.stride), w, this.stride, 'valid');
    });
  }
}

const GROUPS = 32;

/** `DownsampleConv` (no pre-activation): 1×1 StdConv at the block's stride, then GroupNorm. */
export class DownsampleConv extends Module {
  readonly conv: StdConv2dSame;
  readonly norm: GroupNorm;

  constructor(inChannels: number, outChannels: number, stride: number) {
    super();
    this.conv = this.addModule('conv', new StdConv2dSame(inChannels, outChannels, 1, stride));
    this.norm = this.addModule('norm', new GroupNorm(GROUPS, outChannels));
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return this.norm.forward(this.conv.forward(x)) as tf.Tensor4D;
  }
}

/** Non-pre-activation `Bottleneck`: ReLU(GN(conv3(ReLU(GN(conv2(ReLU(GN(conv1(x))))))) + shortcut), stride on conv2. */
export class Bottleneck extends Module {
  readonly downsample?: DownsampleConv;
  readonly conv1: StdConv2dSame;
  readonly norm1: GroupNorm;
  readonly conv2: StdConv2dSame;
  readonly norm2: GroupNorm;
  readonly conv3: StdConv2dSame;
  readonly norm3: GroupNorm;

  constructor(inChannels: number, outChannels: number, stride: number, downsample: boolean) {
    super();
    const mid = makeDiv(outChannels * 0.25);
    if (downsample) this.downsample = this.addModule('downsample', new DownsampleConv(inChannels, outChannels, stride));
    this.conv1 = this.addModule('conv1', new StdConv2dSame(inChannels, mid, 1));
    this.norm1 = this.addModule('norm1', new GroupNorm(GROUPS, mid));
    this.conv2 = this.addModule('conv2', new StdConv2dSame(mid, mid, 3, stride));
    this.norm2 = this.addModule('norm2', new GroupNorm(GROUPS, mid));
    this.conv3 = this.addModule('conv3', new StdConv2dSame(mid, outChannels, 1));
    this.norm3 = this.addModule('norm3', new GroupNorm(GROUPS, outChannels));
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const shortcut = this.downsample ? this.downsample.forward(x) : x;
      let y = tf.relu(this.norm1.forward(this.conv1.forward(x))) as tf.Tensor4D;
      y = tf.relu(this.norm2.forward(this.conv2.forward(y))) as tf.Tensor4D;
      return tf.relu(tf.add(this.norm3.forward(this.conv3.forward(y)), shortcut)) as tf.Tensor4D;
    });
  }
}

/** `ResNetStage`: `blocks.{b}`, the first with the stage's stride and the projection shortcut. */
export class ResNetStage extends Module {
  readonly blocks: ModuleList<Bottleneck>;

  constructor(inChannels: number, outChannels: number, stride: number, depth: number) {
    super();
    const blocks = Array.from({ length: depth }, (_, b) => new Bottleneck(b === 0 ? inChannels : outChannels, outChannels, b === 0 ? stride : 1, b === 0));
    this.blocks = this.addModule('blocks', new ModuleList(blocks));
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.blocks.items.reduce((h, block) => block.forward(h), x));
  }
}

/** The 'same' stem: 7×7 stride-2 StdConv, GroupNorm + ReLU, then a 'SAME' 3×3 stride-2 max pool (padding -inf). */
export class Stem extends Module {
  readonly conv: StdConv2dSame;
  readonly norm: GroupNorm;

  constructor(inChannels: number, outChannels: number) {
    super();
    this.conv = this.addModule('conv', new StdConv2dSame(inChannels, outChannels, 7, 2));
    this.norm = this.addModule('norm', new GroupNorm(GROUPS, outChannels));
  }

  /** [B, H, W, in] -> [B, ⌈H/4⌉, ⌈W/4⌉, out] */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const y = tf.relu(this.norm.forward(this.conv.forward(x))) as tf.Tensor4D;
      return tf.maxPool(padSame(y, 3, 2, -Infinity), 3, 2, 'valid');
    });
  }
}

export const ResNetV2Options = defineOptions('ResNetV2', "timm's ResNetV2 (the hybrid ViT's patch embedding)", {
  layers: required(positiveInts, 'bottlenecks per stage (R50 of the hybrid ViT: [3, 4, 9])'),
  channels: option(positiveInts, [256, 512, 1024, 2048], 'output channels per stage (the first len(layers))'),
  stem_channels: option(positiveInt, 64, 'channels of the stem'),
  in_channels: option(positiveInt, 3, 'input channels'),
});
export type ResNetV2Options = OptionsInput<typeof ResNetV2Options>;

export class ResNetV2 extends Module {
  readonly stem: Stem;
  readonly stages: ModuleList<ResNetStage>;
  readonly channels: number[];

  constructor(options: ResNetV2Options) {
    super();
    const o = resolveOptions(ResNetV2Options, options);
    this.channels = o.channels.slice(0, o.layers.length).map((c) => makeDiv(c));
    if (this.channels.length !== o.layers.length) throw new Error(`ResNetV2: ${o.layers.length} stages but ${this.channels.length} channel counts`);
    const stemChannels = makeDiv(o.stem_channels);
    this.stem = this.addModule('stem', new Stem(o.in_channels, stemChannels));
    const stages = o.layers.map((depth, s) => new ResNetStage(s === 0 ? stemChannels : this.channels[s - 1], this.channels[s], s === 0 ? 1 : 2, depth));
    this.stages = this.addModule('stages', new ModuleList(stages));
  }

  /** x [B, H, W, in] -> each stage's output [B, H/2^(s+2), W/2^(s+2), channels[s]] (sizes rounded up). */
  forward(x: tf.Tensor4D): tf.Tensor4D[] {
    return tf.tidy(() => {
      const outs: tf.Tensor4D[] = [];
      this.stages.items.reduce((h, stage) => {
        const y = stage.forward(h);
        outs.push(y);
        return y;
      }, this.stem.forward(x));
      return outs;
    });
  }
}
