/**
 * ResNet as torchvision builds it (He et al., "Deep Residual Learning for Image Recognition", arXiv 1512.03385;
 * torchvision.models.resnet, "v1.5": a bottleneck strides on its 3×3 conv), with torchvision's names: `conv1`, `bn1`,
 * `layer{s}.{b}.{conv1,bn1,conv2,bn2[,conv3,bn3]}`, `layer{s}.0.downsample.{0,1}`. mmseg's ResNet (style 'pytorch',
 * no deep stem) names its state the same way. As a backbone it has no `avgpool` / `fc` and returns stage maps.
 * The children keep torchvision's order (conv1, bn1, relu, maxpool, layer1, ...), so a model built on
 * `resnet.children()[:k]` (HiFormer) takes them from `namedChildren()`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Type } from '@sinclair/typebox';
import { BatchNorm2d, Conv2d, MaxPool2d, Module, ReLU, Sequential, init, type Layer } from '../nn/index.js';
import { choice, defineOptions, option, required, type OptionsInput } from '../config/declare.js';
import { resolveOptions } from '../config/resolve.js';
import { indices, positiveInt } from '../config/schema-parts.js';
import { registries, type BuildContext } from '../registry.js';
import type { CheckpointAdapter, StateDict } from '../weights/adapt.js';
import { applyInitCfg, initCfgOption } from './init-cfg.js';

/** torchvision's init of a conv: kaiming_normal (fan_out, relu); no bias. */
function conv(inChannels: number, outChannels: number, kernel: number, stride = 1): Conv2d {
  const c = new Conv2d(inChannels, outChannels, kernel, { stride, padding: Math.floor(kernel / 2), bias: false });
  init.reinit(c.weight, (shape) => init.kaimingNormal(shape, outChannels * kernel * kernel));
  return c;
}

/** The projection shortcut `downsample`: 1×1 conv at the block's stride, then BN (`downsample.{0,1}`). */
function projection(inChannels: number, outChannels: number, stride: number): Sequential {
  return new Sequential([conv(inChannels, outChannels, 1, stride), new BatchNorm2d(outChannels)]);
}

/** `BasicBlock` (ResNet-18/34): ReLU(bn2(conv2(ReLU(bn1(conv1(x))))) + shortcut), 3×3 convs, stride on conv1. */
export class BasicBlock extends Module implements Layer {
  static readonly expansion = 1;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly downsample?: Sequential;

  constructor(inChannels: number, planes: number, stride: number) {
    super();
    this.conv1 = this.addModule('conv1', conv(inChannels, planes, 3, stride));
    this.bn1 = this.addModule('bn1', new BatchNorm2d(planes));
    this.conv2 = this.addModule('conv2', conv(planes, planes, 3));
    this.bn2 = this.addModule('bn2', new BatchNorm2d(planes));
    if (stride !== 1 || inChannels !== planes) this.downsample = this.addModule('downsample', projection(inChannels, planes, stride));
  }

  /** [B, H, W, in] -> [B, H/s, W/s, planes] */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const y = tf.relu(this.bn1.forward(this.conv1.forward(x)));
      const shortcut = this.downsample ? this.downsample.forward(x) : x;
      return tf.relu(tf.add(this.bn2.forward(this.conv2.forward(y)), shortcut)) as tf.Tensor4D;
    });
  }
}

/** `Bottleneck` (ResNet-50/101/152): 1×1 -> 3×3 (stride) -> 1×1 to 4·planes, each with BN, plus the shortcut, ReLU. */
export class Bottleneck extends Module implements Layer {
  static readonly expansion = 4;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly conv3: Conv2d;
  readonly bn3: BatchNorm2d;
  readonly downsample?: Sequential;

  constructor(inChannels: number, planes: number, stride: number) {
    super();
    const out = planes * Bottleneck.expansion;
    this.conv1 = this.addModule('conv1', conv(inChannels, planes, 1));
    this.bn1 = this.addModule('bn1', new BatchNorm2d(planes));
    this.conv2 = this.addModule('conv2', conv(planes, planes, 3, stride));
    this.bn2 = this.addModule('bn2', new BatchNorm2d(planes));
    this.conv3 = this.addModule('conv3', conv(planes, out, 1));
    this.bn3 = this.addModule('bn3', new BatchNorm2d(out));
    if (stride !== 1 || inChannels !== out) this.downsample = this.addModule('downsample', projection(inChannels, out, stride));
  }

  /** [B, H, W, in] -> [B, H/s, W/s, 4·planes] */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let y = tf.relu(this.bn1.forward(this.conv1.forward(x)));
      y = tf.relu(this.bn2.forward(this.conv2.forward(y)));
      const shortcut = this.downsample ? this.downsample.forward(x) : x;
      return tf.relu(tf.add(this.bn3.forward(this.conv3.forward(y)), shortcut)) as tf.Tensor4D;
    });
  }
}

/** Block type and blocks per stage of each depth (torchvision's resnet18 ... resnet152). */
export const RESNET_ARCHS = {
  18: [BasicBlock, [2, 2, 2, 2]],
  34: [BasicBlock, [3, 4, 6, 3]],
  50: [Bottleneck, [3, 4, 6, 3]],
  101: [Bottleneck, [3, 4, 23, 3]],
  152: [Bottleneck, [3, 8, 36, 3]],
} as const;
export type ResNetDepth = keyof typeof RESNET_ARCHS;

export const ResNetOptions = defineOptions(
  'ResNet',
  "torchvision's ResNet (mmseg's ResNet with style 'pytorch'): 7×7 stem, max pool, BasicBlock or Bottleneck stages " +
    'at strides 4, 8, 16, 32; torchvision checkpoint names',
  {
    depth: required(choice([18, 34, 50, 101, 152]), 'ResNet-18 / 34 (BasicBlock), 50 / 101 / 152 (Bottleneck)'),
    in_channels: option(positiveInt, 3, 'input channels'),
    num_stages: option(Type.Integer({ minimum: 1, maximum: 4 }), 4, 'stages built: layer1 .. layer{num_stages}'),
    out_indices: option(indices, [0, 1, 2, 3], 'stages whose outputs are returned'),
    init_cfg: initCfgOption,
  },
);
export type ResNetOptions = OptionsInput<typeof ResNetOptions>;

/** torchvision's classifier and the stages a ResNet with fewer stages leaves out, in torchvision checkpoints. */
function withoutUnbuilt(state: StateDict, resnet: Module): StateDict {
  const built = new Set(resnet.namedChildren().map(([name]) => name));
  return new Map([...state].filter(([key]) => !/^(fc|layer\d)\./.test(key) || built.has(key.split('.')[0])));
}

export class ResNet extends Module {
  /** torchvision checkpoints: `fc.*` and unbuilt stages are left out. */
  static override readonly checkpointAdapter: CheckpointAdapter = { adapt: withoutUnbuilt };

  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly relu: ReLU;
  readonly maxpool: MaxPool2d;
  readonly layers: Sequential[];
  /** Output channels of each built stage: [64, 128, 256, 512]·expansion. */
  readonly channels: number[];
  readonly outIndices: number[];

  constructor(options: ResNetOptions, ctx?: BuildContext) {
    super();
    const o = resolveOptions(ResNetOptions, options, ctx);
    const [Block, depths] = RESNET_ARCHS[o.depth];
    this.outIndices = o.out_indices;
    const bad = this.outIndices.find((i) => i >= o.num_stages);
    if (bad !== undefined) throw new Error(`${ctx?.path ?? 'ResNet'}.out_indices: ${bad} is not a stage index (0..${o.num_stages - 1})`);
    this.conv1 = this.addModule('conv1', conv(o.in_channels, 64, 7, 2));
    this.bn1 = this.addModule('bn1', new BatchNorm2d(64));
    this.relu = this.addModule('relu', new ReLU());
    this.maxpool = this.addModule('maxpool', new MaxPool2d(3, 2, 1));
    this.channels = [];
    let inChannels = 64;
    this.layers = depths.slice(0, o.num_stages).map((blocks, s) => {
      const planes = 64 * 2 ** s;
      const block = (b: number) => new Block(b === 0 ? inChannels : planes * Block.expansion, planes, b === 0 && s > 0 ? 2 : 1);
      const stage = Array.from({ length: blocks }, (_, b) => block(b));
      inChannels = planes * Block.expansion;
      this.channels.push(inChannels);
      return this.addModule(`layer${s + 1}`, new Sequential(stage));
    });
  }

  /** x [B, H, W, in] -> the maps of the out indices, [B, H/2^(s+2), W/2^(s+2), channels[s]] (sizes rounded up). */
  forward(x: tf.Tensor4D): tf.Tensor4D[] {
    return tf.tidy(() => {
      let h = this.maxpool.forward(this.relu.forward(this.bn1.forward(this.conv1.forward(x))) as tf.Tensor4D);
      const outs: tf.Tensor4D[] = [];
      this.layers.forEach((layer, s) => {
        h = layer.forward(h) as tf.Tensor4D;
        if (this.outIndices.includes(s)) outs.push(h);
      });
      return outs;
    });
  }
}

registries.backbone.register('ResNet', {
  schema: ResNetOptions,
  build: (o, ctx) => applyInitCfg(new ResNet(o, ctx), o.init_cfg, ctx),
});
