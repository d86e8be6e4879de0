/**
 * mmseg 1.x's SegDataPreProcessor on batches: channel order, (x - mean) / std, then padding of images (pad_val,
 * after normalisation, as mmseg) and labels (seg_pad_val) at the bottom/right to `size` (training) or to a
 * multiple of `size_divisor`; depth maps are padded with 0 (no ground truth). Images arrive RGB (segvit decodes to RGB): `bgr_to_rgb: true` (the usual setting,
 * meaning the model wants RGB) leaves them as they are; false gives the model BGR, as mmseg would.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Type } from '@sinclair/typebox';
import { constant, defineOptions, nullable, option, optional, type OptionsInput, type ResolvedOptions } from '../config/declare.js';
import { resolveOptions } from '../config/resolve.js';
import { sizePair } from '../config/schema-parts.js';

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

  /** [B, H, W, C] images (0..255) and optional [B, H, W] labels -> model inputs. */
  forward(images: tf.Tensor4D, labels?: tf.Tensor3D, training = false): { images: tf.Tensor4D; labels?: tf.Tensor3D } {
    return this.#prepare(images, labels, this.options.seg_pad_val, training);
  }

  /** As `forward` for a depth model: depth maps [B, H, W] in metres are padded with 0 (no ground truth). */
  forwardDepth(images: tf.Tensor4D, depths?: tf.Tensor3D, training = false): { images: tf.Tensor4D; labels?: tf.Tensor3D } {
    return this.#prepare(images, depths, 0, training);
  }

  #prepare(images: tf.Tensor4D, maps: tf.Tensor3D | undefined, mapPadVal: number, training: boolean) {
    return tf.tidy(() => {
      const o = this.options;
      let x: tf.Tensor4D = images;
      if (!o.bgr_to_rgb) x = tf.reverse(x, -1);
      if (o.mean && o.std) x = tf.div(tf.sub(x, o.mean), o.std);
      const [, h, w] = x.shape;
      const [th, tw] = this.#target(h, w, training);
      if (th === h && tw === w) return { images: x, labels: maps };
      const pad = (t: tf.Tensor, value: number, rank: number) =>
        tf.pad(t, [[0, 0], [0, th - h], [0, tw - w], ...(rank === 4 ? [[0, 0] as [number, number]] : [])], value);
      return {
        images: pad(x, o.pad_val, 4) as tf.Tensor4D,
        labels: maps && (pad(maps, mapPadVal, 3) as tf.Tensor3D),
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
