/**
 * DPT's decoder (Ranftl et al., "Vision Transformers for Dense Prediction", arXiv 2103.13413; isl-org/DPT):
 * reassemble each stage into an image-like map (`act_postprocess{i}`), project it to `channels` (`scratch.layer{i}_rn`),
 * fuse coarse to fine with RefineNet-style blocks (`scratch.refinenet{4..1}`), then the depth or segmentation head
 * (`scratch.output_conv`) and, for segmentation, the training-only `auxlayer` on the second fusion output (path_2).
 * Parameter names are the official ones without `pretrained.` (heads/dpt-checkpoint.ts maps official checkpoints).
 *
 * Each of the four stages is either
 * - ViT tokens (`reassemble` true): a map [B, h, w, D] on the patch grid, whose CLS token [B, 1, 1, D] comes among the
 *   last inputs for readout 'add' / 'project' (VisionTransformer with output_cls_token), resampled to 1/4, 1/8, 1/16,
 *   1/32 of the input; or
 * - a feature map already at that scale (`reassemble` false: a hierarchical backbone such as Swin, or DPT-Hybrid's
 *   ResNet stages), which goes straight into `layer{i}_rn`, as DPT-Hybrid's identity post-processing.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  BatchNorm2d,
  Conv2d,
  ConvTranspose2d,
  Dropout,
  GELU,
  Identity,
  Linear,
  Module,
  ReLU,
  Sequential,
  Upsample,
  init,
  interpolate,
  type Layer,
} from '../lib/nn/index.js';
import { Type } from '@sinclair/typebox';
import {
  choice, component, constant, defineOptions, nullable, option, optional, required, type OptionsInput,
} from '../lib/config/declare.js';
import { resolveOptions } from '../lib/config/resolve.js';
import { positiveInt, positiveInts } from '../lib/config/schema-parts.js';
import { CrossEntropyLoss } from '../lib/losses/cross-entropy.js';
import { ScaleShiftInvariantLoss } from '../lib/losses/scale-shift-invariant.js';
import { SiLogLoss } from '../lib/losses/silog.js';
import type { DepthLoss } from '../lib/losses/types.js';
import { registries, type BuildContext } from '../lib/registry.js';
import type { Targets } from '../lib/segmentors/types.js';
import { BaseDecodeHead, DecodeHeadOptions } from './decode-head.js';
import { dptCheckpointAdapter } from './dpt-checkpoint.js';

const readouts = choice(['ignore', 'add', 'project']);
export type Readout = (typeof readouts)['static'];

/** DPT's ×2 upsampling: bilinear with align_corners true. */
const up2 = { scaleFactor: 2, mode: 'bilinear', alignCorners: true } as const;

/** `ProjectReadout`: each patch token concatenated with the CLS token -> Linear(2D -> D) -> GELU (`project.{0,1}`). */
export class ProjectReadout extends Module {
  readonly project: Sequential;

  constructor(dim: number) {
    super();
    this.project = this.addModule('project', new Sequential([new Linear(2 * dim, dim), new GELU()]));
  }

  /** map [B, h, w, D], cls [B, 1, 1, D] -> [B, h, w, D] */
  forward(map: tf.Tensor4D, cls: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const [, h, w] = map.shape;
      return this.project.forward(tf.concat([map, tf.tile(cls, [1, h, w, 1])], -1)) as tf.Tensor4D;
    });
  }
}

/** The resampling (`act_postprocess{i}.4`) of stage i from the 1/16 patch grid to 1/4, 1/8, 1/16 (none), 1/32. */
function resampler(stage: number, c: number): Layer | undefined {
  if (stage === 0) return new ConvTranspose2d(c, c, 4, { stride: 4 });
  if (stage === 1) return new ConvTranspose2d(c, c, 2, { stride: 2 });
  if (stage === 2) return undefined;
  return new Conv2d(c, c, 3, { stride: 2, padding: 1 });
}

/**
 * `act_postprocess{i}`: readout (index 0), transpose and unflatten to a map (1, 2: nothing to do on channels-last maps),
 * 1×1 conv D -> c_i (3), resampling (4).
 */
export class Reassemble extends Module {
  readonly readout?: ProjectReadout;
  readonly conv: Conv2d;
  readonly resample?: Layer;

  constructor(
    stage: number,
    embedDims: number,
    channels: number,
    readonly readoutType: Readout,
  ) {
    super();
    if (readoutType === 'project') this.readout = this.addModule('0', new ProjectReadout(embedDims));
    this.conv = this.addModule('3', new Conv2d(embedDims, channels, 1));
    const resample = resampler(stage, channels);
    if (resample) this.resample = this.addModule('4', resample);
  }

  /** map [B, h, w, D] (+ cls [B, 1, 1, D] for 'add' / 'project') -> [B, h', w', c_i] */
  forward(map: tf.Tensor4D, cls?: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let x = map;
      if (this.readoutType !== 'ignore') {
        if (!cls) throw new Error(`readout '${this.readoutType}' needs the CLS token`);
        x = this.readout ? this.readout.forward(map, cls) : (tf.add(map, cls) as tf.Tensor4D);
      }
      x = this.conv.forward(x) as tf.Tensor4D;
      return (this.resample ? this.resample.forward(x) : x) as tf.Tensor4D;
    });
  }
}

/** `ResidualConvUnit_custom`: x + conv2(ReLU(conv1(ReLU(x)))), with BN after each conv (and no conv bias) when `bn`. */
export class ResidualConvUnit extends Module {
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;
  readonly bn1?: BatchNorm2d;
  readonly bn2?: BatchNorm2d;

  constructor(features: number, bn: boolean) {
    super();
    const conv = () => new Conv2d(features, features, 3, { padding: 1, bias: !bn });
    this.conv1 = this.addModule('conv1', conv());
    this.conv2 = this.addModule('conv2', conv());
    if (bn) {
      this.bn1 = this.addModule('bn1', new BatchNorm2d(features));
      this.bn2 = this.addModule('bn2', new BatchNorm2d(features));
    }
  }

  /** [B, H, W, F] -> [B, H, W, F] */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let y = this.conv1.forward(tf.relu(x));
      if (this.bn1) y = this.bn1.forward(y);
      y = this.conv2.forward(tf.relu(y));
      if (this.bn2) y = this.bn2.forward(y);
      return tf.add(x, y) as tf.Tensor4D;
    });
  }
}

/**
 * `FeatureFusionBlock_custom` (deconv and expand off): y = x (+ resConfUnit1(skip)), resConfUnit2, ×2 bilinear
 * (align_corners true), `out_conv` 1×1. The coarsest block takes no skip and is built without resConfUnit1
 * (official checkpoints carry weights for it that the official forward never uses).
 */
export class FeatureFusionBlock extends Module {
  readonly outConv: Conv2d;
  readonly resConfUnit1?: ResidualConvUnit;
  readonly resConfUnit2: ResidualConvUnit;

  constructor(features: number, bn: boolean, withSkip: boolean) {
    super();
    this.outConv = this.addModule('out_conv', new Conv2d(features, features, 1));
    if (withSkip) this.resConfUnit1 = this.addModule('resConfUnit1', new ResidualConvUnit(features, bn));
    this.resConfUnit2 = this.addModule('resConfUnit2', new ResidualConvUnit(features, bn));
  }

  /** x: the coarser path [B, h, w, F] (or the coarsest stage); skip: this stage [B, h, w, F] -> [B, 2h, 2w, F] */
  forward(x: tf.Tensor4D, skip?: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let y = x;
      if (skip) {
        if (!this.resConfUnit1) throw new Error('this fusion block was built without a skip input');
        if (x.shape[1] !== skip.shape[1] || x.shape[2] !== skip.shape[2]) {
          throw new Error(
            `DPT fusion: the upsampled coarser path is ${x.shape[1]}x${x.shape[2]} but the stage is ` +
              `${skip.shape[1]}x${skip.shape[2]}; DPT needs input sides that are multiples of 32`,
          );
        }
        y = tf.add(x, this.resConfUnit1.forward(skip));
      }
      return this.outConv.forward(interpolate(this.resConfUnit2.forward(y), up2)) as tf.Tensor4D;
    });
  }
}

/** `DPTDepthModel`'s head (`output_conv.{0,2,4}`): conv3×3 F -> F/2, ×2, conv3×3 -> 32, ReLU, conv1×1 -> 1, ReLU if non-negative. */
function depthHead(features: number, nonNegative: boolean): Sequential {
  const half = Math.floor(features / 2);
  return new Sequential([
    new Conv2d(features, half, 3, { padding: 1 }),
    new Upsample(up2),
    new Conv2d(half, 32, 3, { padding: 1 }),
    new ReLU(),
    new Conv2d(32, 1, 1),
    nonNegative ? new ReLU() : new Identity(),
    new Identity(),
  ]);
}

/** `DPTSegmentationModel`'s head (`output_conv.{0,1,4}`, and `auxlayer` without the final ×2): conv3×3, BN, ReLU, Dropout, conv1×1 -> K. */
function segmentationHead(features: number, numClasses: number, dropout: number, upsample: boolean): Sequential {
  const layers: Layer[] = [
    new Conv2d(features, features, 3, { padding: 1, bias: false }),
    new BatchNorm2d(features),
    new ReLU(),
    new Dropout(dropout),
    new Conv2d(features, numClasses, 1),
  ];
  return new Sequential(upsample ? [...layers, new Upsample(up2)] : layers);
}

/** The depth loss of a head without `loss_decode`: SSI on relative inverse depth, SILog on metric (inverted) depth. */
function defaultDepthLoss(invert: boolean): DepthLoss {
  return invert ? new SiLogLoss() : new ScaleShiftInvariantLoss();
}

/** DPT's `scratch`: `layer{i}_rn` (3×3 conv to F, no bias), `refinenet{i}`, `output_conv`. */
export class Scratch extends Module {
  readonly layerRn: Conv2d[];
  readonly refinenet: FeatureFusionBlock[];
  readonly outputConv: Sequential;

  constructor(stageChannels: number[], features: number, bn: boolean, outputConv: Sequential) {
    super();
    this.layerRn = stageChannels.map((c, i) => this.addModule(`layer${i + 1}_rn`, new Conv2d(c, features, 3, { padding: 1, bias: false })));
    this.refinenet = stageChannels.map((_, i) => this.addModule(`refinenet${i + 1}`, new FeatureFusionBlock(features, bn, i < 3)));
    this.outputConv = this.addModule('output_conv', outputConv);
  }
}

const fourInts = Type.Array(positiveInt, { minItems: 4, maxItems: 4 });
// DPT's norms (BatchNorm2d with use_bn) and activations (ReLU) are fixed by its architecture.
const { norm_cfg: _norm, act_cfg: _act, ...decodeHeadProperties } = DecodeHeadOptions.properties;

export const DPTHeadOptions = defineOptions(
  'DPTHead',
  "DPT: reassemble ViT tokens (readout, post-process convs, resampling to 1/4..1/32) or take hierarchical maps as " +
    'they are, RefineNet fusion, then a depth head (non-negative inverse depth, or metric with invert) or a segmentation ' +
    'head with a training-only auxlayer; official DPT names, so a released .pt loads by name',
  {
    ...decodeHeadProperties,
    in_channels: required(fourInts, 'channels of the four stages (ViT: embed_dims each)'),
    channels: required(positiveInt, "fusion width (DPT's features, 256)"),
    num_classes: optional(positiveInt, "classes of task 'segmentation' (required there); task 'depth' predicts 1 channel"),
    in_index: option(
      Type.Array(Type.Integer(), { minItems: 4, maxItems: 4 }),
      [0, 1, 2, 3],
      'the four stages among the backbone outputs',
    ),
    input_transform: option(constant('multiple_select'), 'multiple_select', 'only multiple_select: four stages'),
    loss_decode: optional(
      component('loss', { list: true }),
      'default: CrossEntropyLoss (segmentation), ScaleShiftInvariantLoss (depth), SiLogLoss (depth with invert)',
    ),
    post_process_channels: option(fourInts, [96, 192, 384, 768], 'channels of each token stage after reassembly'),
    readout_type: option(readouts, 'project', 'how token stages use the CLS token'),
    reassemble: option(
      Type.Array(Type.Boolean(), { minItems: 4, maxItems: 4 }),
      [true, true, true, true],
      'per stage: ViT tokens to reassemble (true) or a map at the stage\'s scale taken as it is (false)',
    ),
    task: option(choice(['segmentation', 'depth']), 'segmentation', "DPTSegmentationModel's head or DPTDepthModel's"),
    use_bn: optional(Type.Boolean(), 'BN in the residual conv units; default: true for segmentation, false for depth'),
    non_negative: option(Type.Boolean(), true, 'depth: ReLU on the prediction'),
    depth_bias: option(
      nullable(Type.Number()),
      1,
      "depth: initial bias of output_conv.4, > 0 so the ReLU starts open when training from scratch; null: PyTorch's init",
    ),
    invert: option(Type.Boolean(), false, 'depth: output 1 / max(scale·pred + shift, 1e-8) (the metric NYU / KITTI models)'),
    scale: option(Type.Number(), 1, 'depth with invert: scale'),
    shift: option(Type.Number(), 0, 'depth with invert: shift'),
    aux_weight: option(
      Type.Number({ minimum: 0 }),
      0.2,
      'segmentation: weight of the CE of auxlayer on path_2 in training; 0 builds no auxlayer',
    ),
  },
);
export type DPTHeadOptions = OptionsInput<typeof DPTHeadOptions>;

export class DPTHead extends BaseDecodeHead {
  /** Official DPT checkpoints, named at the segmentor level (heads/dpt-checkpoint.ts). */
  static override readonly checkpointAdapter = dptCheckpointAdapter;

  /** `act_postprocess{i}` of token stages; undefined for stages used as they are. */
  readonly actPostprocess: (Reassemble | undefined)[];
  readonly scratch: Scratch;
  readonly auxlayer?: Sequential;
  readonly task: 'segmentation' | 'depth';
  readonly readoutType: Readout;
  readonly invert?: { scale: number; shift: number };
  readonly auxWeight: number;

  constructor(options: DPTHeadOptions, ctx?: BuildContext) {
    const o = resolveOptions(DPTHeadOptions, options, ctx);
    const { task } = o;
    const path = ctx?.path ?? 'DPTHead';
    if (task === 'segmentation' && o.num_classes === undefined) throw new Error(`${path}.num_classes: required for task 'segmentation'`);
    if (task === 'depth' && o.num_classes !== undefined && o.num_classes !== 1) {
      throw new Error(`${path}.num_classes: task 'depth' predicts 1 channel, not num_classes ${o.num_classes}`);
    }
    const lossDecode = o.loss_decode ?? (task === 'depth' ? defaultDepthLoss(o.invert) : new CrossEntropyLoss());
    const base = { ...o, num_classes: o.num_classes ?? 1, loss_decode: lossDecode, norm_cfg: null, act_cfg: { type: 'ReLU' } as const };
    super({ ...base, input_transform: 'multiple_select' }, { conv_seg: false });
    if (task === 'depth' && this.depthLosses.length === 0) {
      throw new Error(
        `DPTHead task 'depth' trains with depth losses (ScaleShiftInvariantLoss, SiLogLoss, L1Loss), not ${this.losses.map((l) => l.lossName)}`,
      );
    }
    if (task === 'segmentation' && this.losses.length === 0) {
      throw new Error(`DPTHead task 'segmentation' trains with segmentation losses, not ${this.depthLosses.map((l) => l.lossName)}; set task 'depth'`);
    }
    const inChannels = this.inChannels as number[];
    const post = o.post_process_channels;
    const tokenStages = o.reassemble;
    for (const [name, list] of [['in_channels', inChannels], ['post_process_channels', post], ['reassemble', tokenStages]] as const) {
      if (list.length !== 4) throw new Error(`DPTHead: ${name} needs one entry per stage (4), got ${list.length}`);
    }
    this.task = task;
    this.readoutType = o.readout_type;
    this.actPostprocess = tokenStages.map((tokens, i) =>
      tokens ? this.addModule(`act_postprocess${i + 1}`, new Reassemble(i, inChannels[i], post[i], this.readoutType)) : undefined,
    );
    const stageChannels = tokenStages.map((tokens, i) => (tokens ? post[i] : inChannels[i]));
    const useBn = o.use_bn ?? task === 'segmentation';
    const dropout = o.dropout_ratio;
    const outputConv = task === 'depth'
      ? depthHead(this.channels, o.non_negative)
      : segmentationHead(this.channels, this.numClasses, dropout, true);
    this.scratch = this.addModule('scratch', new Scratch(stageChannels, this.channels, useBn, outputConv));
    if (task === 'depth' && o.depth_bias !== null) init.reinit((outputConv.items[4] as Conv2d).bias!, init.filled(o.depth_bias));
    if (o.invert) this.invert = { scale: o.scale, shift: o.shift };
    this.auxWeight = task === 'segmentation' ? o.aux_weight : 0;
    if (this.auxWeight > 0) this.auxlayer = this.addModule('auxlayer', segmentationHead(this.channels, this.numClasses, dropout, false));
  }

  /** The four stage maps before `layer{i}_rn` (what the official `forward_vit` returns): [B, H/4·2^i, W/4·2^i, c_i]. */
  reassemble(inputs: tf.Tensor4D[]): tf.Tensor4D[] {
    return tf.tidy(() => {
      const maps = this.transformInputs(inputs);
      const cls = this.#clsTokens(inputs);
      let k = 0;
      return maps.map((m, i) => {
        const post = this.actPostprocess[i];
        return post ? post.forward(m, cls[k++]) : m;
      });
    });
  }

  /** CLS tokens of the token stages, in stage order: the last inputs (none for readout 'ignore'). */
  #clsTokens(inputs: tf.Tensor4D[]): tf.Tensor4D[] {
    const n = this.actPostprocess.filter(Boolean).length;
    if (this.readoutType === 'ignore' || n === 0) return [];
    const cls = inputs.slice(-n);
    const dims = this.actPostprocess.filter((p) => p).map((p) => p!.conv.inChannels);
    if (inputs.length < 4 + n || cls.some((t, k) => t.shape[1] !== 1 || t.shape[2] !== 1 || t.shape[3] !== dims[k])) {
      throw new Error(
        `DPTHead readout_type '${this.readoutType}' needs each token stage's CLS token [B, 1, 1, D] after the maps ` +
          "(set output_cls_token: true on the VisionTransformer backbone), or readout_type 'ignore'",
      );
    }
    return cls;
  }

  /** The fusion outputs path_1 [B, H/2, W/2, F] and path_2 [B, H/4, W/4, F]. */
  #fuse(inputs: tf.Tensor4D[]): { path1: tf.Tensor4D; path2: tf.Tensor4D } {
    const layers = this.reassemble(inputs).map((m, i) => this.scratch.layerRn[i].forward(m) as tf.Tensor4D);
    const [ref1, ref2, ref3, ref4] = this.scratch.refinenet;
    const path3 = ref3.forward(ref4.forward(layers[3]), layers[2]);
    const path2 = ref2.forward(path3, layers[1]);
    return { path1: ref1.forward(path2, layers[0]), path2 };
  }

  /** Segmentation logits [B, H, W, K], or depth [B, H, W, 1] (inverted to depth when `invert`). */
  forward(inputs: tf.Tensor4D[]): tf.Tensor4D {
    return tf.tidy(() => {
      const out = this.scratch.outputConv.forward(this.#fuse(inputs).path1) as tf.Tensor4D;
      if (!this.invert) return out;
      return tf.div(1, tf.maximum(tf.add(tf.mul(out, this.invert.scale), this.invert.shift), 1e-8)) as tf.Tensor4D;
    });
  }

  protected override get headName(): string {
    return `DPTHead task '${this.task}'`;
  }

  /**
   * Task 'depth': the depth losses of the output against `targets.depth`. Task 'segmentation': `loss_ce` (and acc_seg)
   * of the output, plus `loss_aux` = aux_weight · CE of auxlayer(path_2), against `targets.label`.
   */
  override loss(inputs: tf.Tensor4D[], targets: Targets): Record<string, tf.Scalar> {
    if (this.task === 'depth') return super.loss(inputs, targets);
    const label = this.labelOf(targets);
    const { path1, path2 } = this.#fuse(inputs);
    const losses = this.lossByFeat(this.scratch.outputConv.forward(path1) as tf.Tensor4D, targets);
    if (this.auxlayer) {
      const [, h, w] = label.shape;
      const aux = interpolate(this.auxlayer.forward(path2) as tf.Tensor4D, { size: [h, w], alignCorners: this.alignCorners });
      const terms = this.losses.map((l) => l.forward(aux, label, this.ignoreIndex));
      losses.loss_aux = tf.mul(tf.addN(terms), this.auxWeight) as tf.Scalar;
    }
    return losses;
  }
}

registries.head.register('DPTHead', { schema: DPTHeadOptions, build: (o, ctx) => new DPTHead(o, ctx) });
