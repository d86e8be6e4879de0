import type * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../nn/module.js';
import type { SegDataPreProcessor } from './data-preprocessor.js';

/** An image encoder: [B, H, W, C] -> feature maps, finest first. */
export interface Backbone extends Module {
  forward(x: tf.Tensor4D): tf.Tensor4D[];
  /** Backbones with extra per-stage prior maps (SeMask) return them beside the features. */
  forwardWithPriors?(x: tf.Tensor4D): { outs: tf.Tensor4D[]; priors: tf.Tensor4D[] };
  /** Where the forward can be cut into modules that train one after another (local learning); absent: nowhere. */
  readonly cuts?: ForwardCuts;
}

/** What a piece of a backbone's forward yields: the state at its end cut, and the outputs made on the way. */
export type CutSegment = {
  /** The state at the cut; `carry[0]` is its feature map [B, h, w, C] (empty at the end of the forward). */
  carry: tf.Tensor[];
  /** The backbone outputs made between the cuts, in forward order. */
  outs: tf.Tensor4D[];
  /** The prior maps made between the cuts (SeMask). */
  priors: tf.Tensor4D[];
  /** What local heads read at the end cut: the output its last piece made (a stage output), else `carry[0]`. */
  feature?: tf.Tensor4D;
};

/**
 * A backbone's forward as a chain of cuts. Cut i is named by the module the forward has just finished there
 * (Swin: `layers.1` after stage 1 and its patch merging, `layers.2.blocks.3` inside stage 2).
 */
export interface ForwardCuts {
  /** Every cut, in forward order. */
  readonly names: string[];
  /** The cuts between stages, from which default splits are drawn. */
  readonly stageCuts: string[];
  /** Channels of the feature map at cut i (-1: the input images). */
  channels(cut: number): number;
  /** Channels of the `feature` local heads read at cut i. */
  featureChannels(cut: number): number;
  /**
   * The forward from cut `from` (-1: the images) to cut `to` (names.length: the end of the forward), given the state
   * at `from` (`[images]` for -1). Concatenating the outs of consecutive runs gives `forward`'s outputs.
   */
  run(carry: tf.Tensor[], from: number, to: number): CutSegment;
}

/** A volume encoder (DFormer): [B, D, H, W, C] -> feature volumes [B, d, h, w, C'], finest first. */
export interface VolumeBackbone extends Module {
  /** Tells volumetric parts from 2D ones at run time. */
  readonly volumetric: true;
  forward(x: tf.Tensor5D): tf.Tensor5D[];
}

/** Feature maps -> feature maps (FPN and the like). */
export interface Neck extends Module {
  forward(features: tf.Tensor4D[]): tf.Tensor4D[];
}

/**
 * What a task trains on: a head's or segmentor's training losses take what the task has. Heads read the targets
 * their losses need and name the missing one. (A type, not an interface, so that it is a tf.TensorContainer.)
 */
export type Targets = {
  /** Class ids [B, H, W] int32 (segmentation). */
  label?: tf.Tensor3D;
  /** Depth maps [B, H, W] in metres, 0 = no ground truth (depth estimation). */
  depth?: tf.Tensor3D;
  /** A SeMask backbone's prior maps, one per stage; the segmentor adds them. */
  priors?: tf.Tensor4D[];
  /** Class ids [B, D, H, W] int32 of volumes (segmentation3d). */
  labelVolume?: tf.Tensor4D;
};

/**
 * Backbone (or neck) features -> per-pixel predictions at the head's resolution, and the head's training losses
 * (heads/decode-head.ts's BaseDecodeHead is the usual implementation).
 */
export interface DecodeHead extends Module {
  /** Output channels: classes, or 1 for a depth head. */
  readonly numClasses: number;
  /** How predictions are resized to the input or label size. */
  readonly alignCorners: boolean;
  /** Features -> logits [B, h, w, num_classes] (or depth [B, h, w, 1]). */
  forward(inputs: tf.Tensor4D[]): tf.Tensor4D;
  /** Training losses on features against the targets (`loss_*` terms, and `acc_seg` for segmentation). */
  loss(inputs: tf.Tensor4D[], targets: Targets): Record<string, tf.Scalar>;
}

/** A volumetric head (heads/dformer.ts): 3D features [B, d, h, w, C] -> logits [B, D, H, W, K], and its losses. */
export interface VolumeHead extends Module {
  /** Tells volumetric parts from 2D ones at run time. */
  readonly volumetric: true;
  readonly numClasses: number;
  readonly alignCorners: boolean;
  forward(inputs: tf.Tensor5D[]): tf.Tensor5D;
  /** Training losses against `targets.labelVolume`. */
  loss(inputs: tf.Tensor5D[], targets: Targets): Record<string, tf.Scalar>;
}

/** What a segmentor is trained and evaluated for; lib/engine/tasks gives each its data, metric and outputs. */
export type SegmentorTask = 'segmentation' | 'depth' | 'segmentation3d';

/** What a segmentor takes: images [B, H, W, C], or volumes [B, D, H, W, C] for task segmentation3d. */
export type ModelInput = tf.Tensor4D | tf.Tensor5D;

/**
 * A whole model: data preprocessor, backbone -> [neck] -> decode head (+ auxiliary heads in training), and the task it
 * declares (EncoderDecoder: segmentation, DepthEstimator: depth). Training, evaluation and the commands go through
 * this interface and the task, never the class.
 */
export interface Segmentor extends Module {
  readonly task: SegmentorTask;
  readonly dataPreprocessor: SegDataPreProcessor;
  readonly decodeHead: DecodeHead | VolumeHead;
  /** Training losses of normalised inputs against their targets, keyed `decode.*` (and `aux.*` / `aux_{i}.*`). */
  loss(img: ModelInput, targets: Targets): Record<string, tf.Scalar>;
  /**
   * Test-mode prediction of normalised inputs at their size: logits [B, H, W, K] for segmentation (as its test_cfg
   * says), depth [B, H, W] for depth, logits [B, D, H, W, K] for segmentation3d.
   */
  predict(img: ModelInput): tf.Tensor;
  /** Set when the segmentor trains module by module (EncoderDecoder's train_cfg.local_learning); absent: end to end. */
  readonly localLearning?: {
    readonly numModules: number;
    /** The loss terms of normalised images and the gradients of their total with respect to `vars`, by variable name. */
    gradients(img: tf.Tensor4D, targets: Targets, vars: tf.Variable[]): { terms: Record<string, tf.Scalar>; grads: tf.NamedTensorMap };
  };
}

type Part = Backbone | VolumeBackbone | DecodeHead | VolumeHead;
const isVolumetric = (part: Part): part is VolumeBackbone | VolumeHead => (part as { volumetric?: boolean }).volumetric === true;

/** `part`, built at config path `path` for a 2D `segmentor`, checked to take images, not volumes. */
export function imagePart<T extends Backbone | DecodeHead>(part: T | VolumeBackbone | VolumeHead, path: string, segmentor: string): T {
  if (!isVolumetric(part)) return part;
  throw new Error(`${path}: ${part.constructor.name} works on volumes [B, D, H, W, C]; use it in an EncoderDecoder3D, not ${segmentor}`);
}

/** `part`, built at config path `path` for EncoderDecoder3D, checked to take volumes. */
export function volumePart<T extends VolumeBackbone | VolumeHead>(part: T | Backbone | DecodeHead, path: string): T {
  if (isVolumetric(part)) return part as T;
  throw new Error(`${path}: ${part.constructor.name} works on images [B, H, W, C]; EncoderDecoder3D takes volumetric parts (DFormer, DFormerHead)`);
}

/** A head's losses under a segmentor's key prefix (`decode`, `aux`, `aux_{i}`). */
export function withPrefix(prefix: string, losses: Record<string, tf.Scalar>): Record<string, tf.Scalar> {
  return Object.fromEntries(Object.entries(losses).map(([k, v]) => [`${prefix}.${k}`, v]));
}

/** A backbone's feature maps and its prior maps (none for backbones without them). */
export function backboneOutputs(backbone: Backbone, x: tf.Tensor4D): { outs: tf.Tensor4D[]; priors: tf.Tensor4D[] } {
  return backbone.forwardWithPriors ? backbone.forwardWithPriors(x) : { outs: backbone.forward(x), priors: [] };
}
