/**
 * D-Former's output heads (github kkk55596/D-Former, model.py `SegNetwork.final`): per decoder level i (widths C, 2C,
 * 4C), FinalPatchExpand_X4 (Linear C_i -> pd·ph·pw·C_i, rearranged into a patch-size upsampling, LN) then a 1×1×1
 * Conv3d to the classes without bias. Level 0 gives the logits at the input size; levels 1 and 2, at 1/2 and 1/4,
 * are deep supervision in training. (The official forward returns only full and 1/2: its `upscale_logits_ops` has one
 * entry, so zip drops the 1/4 output although `final.2` is built; here all three train, weighted 1, 1/2, 1/4 and
 * normalised, as the issue and nnU-Net's deep supervision weigh them.) `num_classes` replaces the hard-coded 14.
 * Official names: `final.{i}.0.{expand,norm}`, `final.{i}.1.weight`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Type } from '@sinclair/typebox';
import { Conv3d, Module, ModuleList, Sequential } from '../lib/nn/index.js';
import { PatchExpand3D } from '../lib/backbones/dformer-layers.js';
import { component, defineOptions, option, required, type OptionsInput } from '../lib/config/declare.js';
import { resolveOptions } from '../lib/config/resolve.js';
import { positiveInt, sizeTriple } from '../lib/config/schema-parts.js';
import { pixelAccuracy } from '../lib/losses/cross-entropy.js';
import { isDepthLoss, type SegLoss } from '../lib/losses/types.js';
import { registries, type BuildContext } from '../lib/registry.js';
import type { Targets, VolumeHead } from '../lib/segmentors/types.js';

export const DFormerHeadOptions = defineOptions(
  'DFormerHead',
  "D-Former's heads (SegNetwork.final): FinalPatchExpand_X4 and a 1×1×1 conv per decoder level; logits at the input " +
    'size, and at 1/2 and 1/4 for deep supervision',
  {
    num_classes: required(positiveInt, 'classes, background included (the official code hard-codes 14; Synapse has 9)'),
    in_channels: option(sizeTriple, [96, 192, 384], "widths of DFormer's outputs, finest first: C, 2C, 4C"),
    patch_size: option(sizeTriple, [2, 4, 4], "the backbone's patch size (D, H, W), which the heads upsample by"),
    deep_supervision: option(Type.Boolean(), true, 'train the 1/2 and 1/4 outputs too, weighted 1, 1/2, 1/4 and normalised'),
    loss_decode: option(
      component('loss', { list: true }),
      [
        { type: 'CrossEntropyLoss', loss_weight: 1 },
        { type: 'DiceLoss', loss_weight: 1 },
      ],
      'segmentation losses, each summed over the supervised outputs with their weights',
    ),
    ignore_index: option(Type.Integer(), 255, 'label value of unlabelled voxels, left out of the losses'),
  },
);
export type DFormerHeadOptions = OptionsInput<typeof DFormerHeadOptions>;

export class DFormerHead extends Module implements VolumeHead {
  readonly volumetric = true;
  readonly final: ModuleList<Sequential>;
  readonly numClasses: number;
  readonly alignCorners = false;
  readonly deepSupervision: boolean;
  readonly losses: SegLoss[];
  readonly ignoreIndex: number;

  constructor(options: DFormerHeadOptions, ctx?: BuildContext) {
    super();
    const o = resolveOptions(DFormerHeadOptions, options, ctx);
    this.numClasses = o.num_classes;
    this.deepSupervision = o.deep_supervision;
    this.ignoreIndex = o.ignore_index;
    const losses = [o.loss_decode].flat();
    const depth = losses.find(isDepthLoss);
    if (depth) throw new Error(`${ctx?.path ?? 'DFormerHead'}.loss_decode: ${depth.lossName} is a depth loss; DFormerHead predicts classes`);
    this.losses = losses as SegLoss[];
    const level = (c: number) =>
      new Sequential([new PatchExpand3D(c, o.patch_size, c), new Conv3d(c, o.num_classes, 1, { bias: false })]);
    this.final = this.addModule('final', new ModuleList(o.in_channels.map(level)));
  }

  /** DFormer's outputs, finest first -> logits [B, pd·d, ph·h, pw·w, K] of level 0 (the input size, before cropping). */
  forward(inputs: tf.Tensor5D[]): tf.Tensor5D {
    return this.#logits(0, inputs[0]!);
  }

  /** Logits of every level: input size, 1/2, 1/4. */
  forwardAll(inputs: tf.Tensor5D[]): tf.Tensor5D[] {
    return this.final.items.map((_, i) => this.#logits(i, inputs[i]!));
  }

  /**
   * `final.i` on level i: FinalPatchExpand_X4, then the 1×1×1 conv, computed in that order's equivalent where the
   * volume is K channels wide rather than C: the conv (a per-voxel product) on the expanded tokens, and only the
   * logits rearranged into the upsampled volume. At full resolution this saves the largest tensors of a step.
   */
  #logits(i: number, x: tf.Tensor5D): tf.Tensor5D {
    return tf.tidy(() => {
      const [expand, conv] = this.final.at(i).items as [PatchExpand3D, Conv3d];
      const tokens = expand.tokens(x); // [B, d, h, w, P, C]
      const c = tokens.shape.at(-1)!;
      const weights = tf.reshape(conv.weight, [c, this.numClasses]) as tf.Tensor2D;
      const logits = tf.reshape(tf.matMul(tf.reshape(tokens, [-1, c]) as tf.Tensor2D, weights), [...tokens.shape.slice(0, -1), this.numClasses]);
      return expand.spread(logits);
    });
  }

  /**
   * Each loss of `loss_decode` over the supervised levels, against `targets.labelVolume` [B, D, H, W] (every 2^i-th
   * voxel for level i), weighted 2^-i and normalised; the logits are cropped to the labels' size. acc_seg of level 0.
   */
  loss(inputs: tf.Tensor5D[], targets: Targets): Record<string, tf.Scalar> {
    const label = targets.labelVolume;
    if (!label) throw new Error('DFormerHead trains on label volumes (targets.labelVolume, from an EncoderDecoder3D)');
    return tf.tidy(() => {
      const levels = this.deepSupervision ? this.forwardAll(inputs) : [this.forward(inputs)];
      const weights = levels.map((_, i) => 2 ** -i);
      const total = weights.reduce((a, b) => a + b, 0);
      // every s-th voxel (cast: wasm's strided slice returns int32 data as float32)
      const every = (s: number) => tf.cast(tf.stridedSlice(label, [0, 0, 0, 0], label.shape, [1, s, s, s]), 'int32') as tf.Tensor4D;
      const pairs = levels.map((logits, i) => {
        const labels = i === 0 ? label : every(2 ** i);
        const [b, d, h, w] = labels.shape;
        return [tf.slice(logits, [0, 0, 0, 0, 0], [b, d, h, w, -1]) as tf.Tensor5D, labels] as const;
      });
      const out: Record<string, tf.Scalar> = {};
      for (const loss of this.losses) {
        const terms = pairs.map(([logits, labels], i) => tf.mul(loss.forward(logits, labels, this.ignoreIndex), weights[i] / total));
        out[loss.lossName] = (out[loss.lossName] ? tf.add(out[loss.lossName]!, tf.addN(terms)) : tf.addN(terms)) as tf.Scalar;
      }
      out.acc_seg = pixelAccuracy(pairs[0]![0], pairs[0]![1], this.ignoreIndex);
      return out;
    });
  }
}

registries.head.register('DFormerHead', { schema: DFormerHeadOptions, build: (o, ctx) => new DFormerHead(o, ctx) });
