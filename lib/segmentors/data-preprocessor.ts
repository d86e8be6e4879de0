/**
 * mmseg 1.x's SegDataPreProcessor on batches: channel order, (x - mean) / std, then padding of images (pad_val,
 * after normalisation, as mmseg) and of their targets at the bottom/right to `size` (training) or to a multiple of
 * `size_divisor`: labels with seg_pad_val, depth maps with 0 (no ground truth). Images arrive RGB (segvit decodes
 * to RGB): `bgr_to_rgb: true` (the usual setting, meaning the model wants RGB) leaves them as they are; false gives
 * the model BGR, as mmseg would.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Type } from '@sinclair/typebox';
import { constant, defineOptions, nullable, option, optional, type OptionsInput, type ResolvedOptions } from '../config/declare.js';
import { resolveOptions } from '../config/resolve.js';
import { sizePair } from '../config/schema-parts.js';
import type { Targets } from './types.js';

const channelValues = nullable(Type.Array(Type.Number(), { minItems: 1 }));

export const DataPreprocessorOptions = defineOptions(
  'SegDataPreProcessor',
  "mmseg 1.x's SegDataPreProcessor: channel order, normalisation and padding of batches",
  {
    type: optional(constant('SegDataPreProcessor'), "mmseg's type name, accepted"),
    mean: optional(channelValues, 'per-channel mean subtracted (0..255 scale), with std; absent: none'),
    std: optional(channelValues, 'per-channel std divided by, with mean'),
    bgr_to_rgb: option(Type.Boolean(), true, 'true: the model takes RGB (as decoded); false: BGR'),
    pad_val: option(Type.Number(), 0, 'image padding value, after normalisation'),
    seg_pad_val: option(Type.Integer(), 255, 'label padding value'),
    size: optional(nullable(sizePair), '[h, w] training batches are padded to'),
    size_divisor: optional(nullable(Type.Integer({ minimum: 1 })), 'pad batches to a multiple of it'),
  },
);
export type DataPreprocessorOptions = OptionsInput<typeof DataPreprocessorOptions>;

export class SegDataPreProcessor {
  readonly options: ResolvedOptions<typeof DataPreprocessorOptions>;

  constructor(options: DataPreprocessorOptions = {}) {
    const o = resolveOptions(DataPreprocessorOptions, options);
    if ((o.mean == null) !== (o.std == null)) throw new Error('data_preprocessor: mean and std must be given together');
    this.options = o;
  }

  /**
   * [B, H, W, C] images (0..255) and their targets -> model inputs: labels [B, H, W] are padded with seg_pad_val,
   * depth maps [B, H, W] in metres with 0 (no ground truth).
   */
  forward(images: tf.Tensor4D, targets: Targets = {}, training = false): { images: tf.Tensor4D; targets: Targets } {
    return tf.tidy(() => {
      const o = this.options;
      let x: tf.Tensor4D = images;
      if (!o.bgr_to_rgb) x = tf.reverse(x, -1);
      if (o.mean && o.std) x = tf.div(tf.sub(x, o.mean), o.std);
      const [, h, w] = x.shape;
      const [th, tw] = this.#target(h, w, training);
      if (th === h && tw === w) return { images: x, targets };
      const pad = <T extends tf.Tensor>(t: T, value: number): T =>
        tf.pad(t, [[0, 0], [0, th - h], [0, tw - w], ...(t.rank === 4 ? [[0, 0] as [number, number]] : [])], value) as T;
      const { label, depth } = targets;
      return {
        images: pad(x, o.pad_val),
        targets: { ...targets, label: label && pad(label, o.seg_pad_val), depth: depth && pad(depth, 0) },
      };
    });
  }

  #target(h: number, w: number, training: boolean): [number, number] {
    const { size, size_divisor: sizeDivisor } = this.options;
    if (training && size) {
      if (size[0] < h || size[1] < w) throw new Error(`data_preprocessor.size [${size}] is smaller than the batch [${h}, ${w}]`);
      return size;
    }
    if (sizeDivisor) return [Math.ceil(h / sizeDivisor) * sizeDivisor, Math.ceil(w / sizeDivisor) * sizeDivisor];
    return [h, w];
  }
}
