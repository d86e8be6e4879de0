/**
 * mmseg's BaseDecodeHead: owns input selection (`in_index`, `input_transform`), dropout, `conv_seg` and the
 * losses, so each head writes only its fusion in `forward`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Type } from '@sinclair/typebox';
import { Conv2d, Dropout2d, Module, concat, init, interpolate } from '../lib/nn/index.js';
import type { ActCfg, NormCfg } from '../lib/nn/conv-module.js';
import { choice, component, defineOptions, option, optional, required, type ResolvedOptions } from '../lib/config/declare.js';
import { convNormCfg, positiveInt, positiveInts, probability, reluActCfg } from '../lib/config/schema-parts.js';
import { CrossEntropyLoss, resizedAccuracy, resizedCrossEntropy } from '../lib/losses/cross-entropy.js';
import { isDepthLoss, type DepthLoss, type SegLoss } from '../lib/losses/types.js';
import type { DecodeHead as DecodeHeadInterface, Targets } from '../lib/segmentors/types.js';

/** The options every decode head has (mmseg's BaseDecodeHead), spread into each head's declaration. */
export const DecodeHeadOptions = defineOptions('BaseDecodeHead', "the options every decode head has (mmseg's BaseDecodeHead)", {
  in_channels: required(Type.Union([positiveInt, positiveInts]), 'channels of the selected input, or of each one'),
  channels: required(positiveInt, 'channels inside the head, before conv_seg'),
  num_classes: required(positiveInt, 'classes predicted by conv_seg'),
  in_index: option(
    Type.Union([Type.Integer(), Type.Array(Type.Integer())]),
    -1,
    'which backbone (or neck) outputs the head reads; -1: the last',
  ),
  input_transform: option(
    choice(['resize_concat', 'multiple_select', null]),
    null,
    'several inputs: resized to the first and concatenated, or passed as a list; null: one input',
  ),
  dropout_ratio: option(probability, 0.1, 'Dropout2d before conv_seg'),
  conv_cfg: optional(Type.Null(), 'only null: plain convs'),
  norm_cfg: option(convNormCfg, null, 'norm of the head convs (BN, SyncBN or GN); null: none, convs with bias'),
  act_cfg: option(reluActCfg, { type: 'ReLU' }, 'activation of the head convs; null: none'),
  loss_decode: option(
    component('loss', { list: true }),
    { type: 'CrossEntropyLoss', use_sigmoid: false, loss_weight: 1 },
    'segmentation losses, or depth losses for a one-channel depth head; not both',
  ),
  ignore_index: option(Type.Integer(), 255, 'label value of unlabelled pixels, left out of the losses'),
  sampler: optional(Type.Null(), 'only null: every pixel counts'),
  align_corners: option(Type.Boolean(), false, 'align_corners of every resize of the head'),
});
/** The base options as a head resolved them. */
export type DecodeHeadResolved = ResolvedOptions<typeof DecodeHeadOptions>;

export abstract class BaseDecodeHead extends Module implements DecodeHeadInterface {
  /** Channels of the selected input(s): a number, or one per level for multiple_select. */
  readonly inChannels: number | number[];
  readonly channels: number;
  readonly numClasses: number;
  readonly inIndex: number | number[];
  readonly inputTransform: 'resize_concat' | 'multiple_select' | null;
  readonly normCfg: NormCfg | null;
  readonly actCfg: ActCfg | null;
  readonly ignoreIndex: number;
  readonly alignCorners: boolean;
  /** Segmentation losses (logits against class ids). */
  readonly losses: SegLoss[];
  /** Depth losses (the one-channel output against depth maps in metres); empty in segmentation heads. */
  readonly depthLosses: DepthLoss[];
  /** The 1×1 classifier; absent in heads whose classifier has official names of its own (DPT's `scratch.output_conv`). */
  readonly convSeg?: Conv2d;
  readonly dropout?: Dropout2d;

  /**
   * @param o the head's options, resolved by the head (`resolveOptions` with its declaration); heads that always take
   *   several levels set `input_transform` in it, as mmseg's heads pass `input_transform='multiple_select'`
   * @param parts.conv_seg false for heads that build their own classifier: no `conv_seg` and no `dropout` then
   */
  constructor(o: DecodeHeadResolved, parts: { conv_seg?: boolean } = {}) {
    super();
    const inputTransform = o.input_transform;
    this.inputTransform = inputTransform;
    this.inIndex = o.in_index;
    if (inputTransform) {
      if (!Array.isArray(o.in_channels) || !Array.isArray(this.inIndex) || o.in_channels.length !== this.inIndex.length) {
        throw new Error(`${inputTransform}: in_channels and in_index must be lists of the same length`);
      }
      this.inChannels = inputTransform === 'resize_concat' ? o.in_channels.reduce((a, b) => a + b, 0) : o.in_channels;
    } else {
      if (Array.isArray(o.in_channels) || Array.isArray(this.inIndex)) {
        throw new Error('in_channels and in_index must be single integers when input_transform is null');
      }
      this.inChannels = o.in_channels;
    }
    this.channels = o.channels;
    this.numClasses = o.num_classes;
    this.normCfg = o.norm_cfg;
    this.actCfg = o.act_cfg;
    this.ignoreIndex = o.ignore_index;
    this.alignCorners = o.align_corners;
    const losses = [o.loss_decode].flat();
    this.depthLosses = losses.filter(isDepthLoss);
    this.losses = losses.filter((l): l is SegLoss => !isDepthLoss(l));
    if (this.depthLosses.length > 0 && this.losses.length > 0) {
      throw new Error(
        `loss_decode mixes depth losses (${this.depthLosses.map((l) => l.lossName)}) with segmentation losses ` +
          `(${this.losses.map((l) => l.lossName)}); a head predicts either depth or classes`,
      );
    }
    if (parts.conv_seg === false) return;
    this.convSeg = this.addModule('conv_seg', new Conv2d(o.channels, o.num_classes, 1));
    init.reinit(this.convSeg.weight, (shape) => init.normal(shape, 0.01));
    init.reinit(this.convSeg.bias!, init.filled(0));
    if (o.dropout_ratio > 0) this.dropout = this.addModule('dropout', new Dropout2d(o.dropout_ratio));
  }

  /** Pick the head's inputs from the backbone outputs. */
  protected transformInputs(inputs: tf.Tensor4D[]): tf.Tensor4D[] {
    const pick = (i: number) => {
      const x = inputs.at(i);
      if (!x) throw new Error(`in_index ${i} is out of range: the backbone gives ${inputs.length} outputs`);
      return x;
    };
    if (!Array.isArray(this.inIndex)) return [pick(this.inIndex)];
    const selected = this.inIndex.map(pick);
    if (this.inputTransform !== 'resize_concat') return selected;
    const [, h, w] = selected[0].shape;
    return [concat(selected.map((x) => interpolate(x, { size: [h, w], alignCorners: this.alignCorners })), -1)];
  }

  /** Dropout2d then the 1×1 classifier. */
  protected clsSeg(feat: tf.Tensor4D): tf.Tensor4D {
    if (!this.convSeg) throw new Error(`${this.constructor.name} has no conv_seg`);
    const x = this.dropout ? this.dropout.forward(feat) : feat;
    return this.convSeg.forward(x) as tf.Tensor4D;
  }

  /** Backbone (or neck) outputs -> logits [B, h, w, num_classes] at the head's resolution. */
  abstract forward(inputs: tf.Tensor4D[]): tf.Tensor4D;

  /**
   * Training losses of the head on backbone (or neck) outputs against the task's targets: class labels for a
   * segmentation head, depth maps for a depth head. Heads that train on more (SeMask's prior maps, DPT's auxiliary
   * layer) override it.
   */
  loss(inputs: tf.Tensor4D[], targets: Targets): Record<string, tf.Scalar> {
    const target = this.#targetOf(targets); // a missing target fails before the forward
    return this.#lossOf(this.forward(inputs), target);
  }

  /**
   * Losses of the head's output, resized to the targets' size first (mmseg 1.x's `loss_by_feat`): the segmentation
   * losses (and acc_seg) of logits [B, h, w, K] against `targets.label`, or the depth losses of a depth head's
   * [B, h, w, 1] against `targets.depth`.
   */
  lossByFeat(pred: tf.Tensor4D, targets: Targets): Record<string, tf.Scalar> {
    return this.#lossOf(pred, this.#targetOf(targets));
  }

  /** How errors name the head: its class, and its task where it has several (DPTHead). */
  protected get headName(): string {
    return this.constructor.name;
  }

  /** `targets.label`, or an error that says what the head trains on and what provides it. */
  protected labelOf(targets: Targets): tf.Tensor3D {
    if (targets.label) return targets.label;
    const instead = targets.depth ? ', not on depth maps: a depth head has depth losses in loss_decode' : '';
    throw new Error(`${this.headName} trains on class labels (targets.label, from an EncoderDecoder)${instead}`);
  }

  /** What the head's losses compare with: `targets.depth` for a depth head, else `targets.label`. */
  #targetOf(targets: Targets): tf.Tensor3D {
    if (this.depthLosses.length === 0) return this.labelOf(targets);
    if (targets.depth) return targets.depth;
    const instead = targets.label ? ', not on class labels' : '';
    throw new Error(`${this.headName} trains on depth maps (targets.depth, from a DepthEstimator)${instead}`);
  }

  #lossOf(pred: tf.Tensor4D, target: tf.Tensor3D): Record<string, tf.Scalar> {
    return this.depthLosses.length > 0 ? this.#depthLoss(pred, target) : this.#segLoss(pred, target);
  }

  /**
   * Segmentation losses and acc_seg of logits against labels [B, H, W]. CE resizes sample by sample inside its
   * gradient (resizedCrossEntropy); other losses take the resized logits.
   */
  #segLoss(logits: tf.Tensor4D, label: tf.Tensor3D): Record<string, tf.Scalar> {
    const [, h, w] = label.shape;
    let resized: tf.Tensor4D | undefined;
    const out: Record<string, tf.Scalar> = {};
    for (const l of this.losses) {
      const value =
        l instanceof CrossEntropyLoss
          ? resizedCrossEntropy(l, logits, label, this.ignoreIndex, this.alignCorners)
          : l.forward((resized ??= interpolate(logits, { size: [h, w], alignCorners: this.alignCorners })), label, this.ignoreIndex);
      out[l.lossName] = out[l.lossName] ? tf.add(out[l.lossName], value) : value;
    }
    out.acc_seg = resizedAccuracy(logits, label, this.ignoreIndex, this.alignCorners);
    return out;
  }

  /** Depth losses of a prediction [B, h, w, 1] against depth maps [B, H, W] in metres (0 = none). */
  #depthLoss(pred: tf.Tensor4D, depth: tf.Tensor3D): Record<string, tf.Scalar> {
    return tf.tidy(() => {
      const [, h, w] = depth.shape;
      const resized = interpolate(pred, { size: [h, w], alignCorners: this.alignCorners });
      const out: Record<string, tf.Scalar> = {};
      for (const l of this.depthLosses) {
        const value = l.forward(resized, depth);
        out[l.lossName] = out[l.lossName] ? tf.add(out[l.lossName], value) : value;
      }
      return out;
    });
  }
}
