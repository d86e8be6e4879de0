/**
 * Monocular depth estimation, a Segmentor for task 'depth': backbone -> [neck] -> decode_head (a depth head such as
 * DPTHead with task 'depth', giving one channel) -> depth [B, H, W] at the input size. Test mode: `predict`;
 * training: `loss`, the head's depth losses (`loss_decode`) against depth maps, the prediction resized to the maps' size.
 * State names: `backbone.*`, `neck.*`, `decode_head.*`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module, interpolate } from '../nn/index.js';
import { defineOptions, type OptionsInput } from '../config/declare.js';
import { resolveOptions } from '../config/resolve.js';
import { registries, type BuildContext } from '../registry.js';
import {
  backboneOutputs, imagePart, withPrefix, type Backbone, type DecodeHead, type Neck, type Segmentor, type Targets,
} from './types.js';
import { SegDataPreProcessor } from './data-preprocessor.js';
import { dataPreprocessorOption, segmentorParts } from './encoder-decoder.js';

export const DepthEstimatorOptions = defineOptions(
  'DepthEstimator',
  'backbone -> [neck] -> depth head (one channel, e.g. DPTHead with task depth) -> depth [B, H, W] at the input size; ' +
    "trains with the head's depth losses against depth maps, 0 = no ground truth",
  { ...segmentorParts, data_preprocessor: dataPreprocessorOption },
);
export type DepthEstimatorOptions = OptionsInput<typeof DepthEstimatorOptions>;

export class DepthEstimator extends Module implements Segmentor {
  readonly task = 'depth';
  readonly backbone: Backbone;
  readonly neck?: Neck;
  readonly decodeHead: DecodeHead;
  readonly dataPreprocessor: SegDataPreProcessor;

  constructor(options: DepthEstimatorOptions, ctx?: BuildContext) {
    super();
    const o = resolveOptions(DepthEstimatorOptions, options, ctx);
    const path = ctx?.path ?? 'DepthEstimator';
    this.backbone = this.addModule('backbone', imagePart<Backbone>(o.backbone, `${path}.backbone`, 'DepthEstimator'));
    if (o.neck) this.neck = this.addModule('neck', o.neck);
    this.decodeHead = this.addModule('decode_head', imagePart<DecodeHead>(o.decode_head, `${path}.decode_head`, 'DepthEstimator'));
    this.dataPreprocessor = new SegDataPreProcessor(o.data_preprocessor ?? {});
  }

  /** Backbone (and neck) features of normalised images [B, H, W, C]. */
  extractFeat(img: tf.Tensor4D): tf.Tensor4D[] {
    return tf.tidy(() => {
      const { outs } = backboneOutputs(this.backbone, img);
      return this.neck ? this.neck.forward(outs) : outs;
    });
  }

  /**
   * Training losses `decode.<loss_name>` of normalised images [B, H, W, C] against `targets.depth`, depth maps
   * [B, h, w] in metres (0 = no ground truth).
   */
  loss(img: tf.Tensor4D, targets: Targets): Record<string, tf.Scalar> {
    return withPrefix('decode', this.decodeHead.loss(this.extractFeat(img), targets));
  }

  /** Depth [B, H, W] of normalised images [B, H, W, C], resized to the input size if the head's output is smaller. */
  predict(img: tf.Tensor4D): tf.Tensor3D {
    return tf.tidy(() => {
      const out = this.decodeHead.forward(this.extractFeat(img));
      const [b, h, w] = img.shape;
      if (out.shape[3] !== 1) throw new Error(`DepthEstimator: decode_head gives ${out.shape[3]} channels, a depth head gives 1`);
      const resized = interpolate(out, { size: [h, w], alignCorners: this.decodeHead.alignCorners });
      return tf.reshape(resized, [b, h, w]) as tf.Tensor3D;
    });
  }
}

registries.segmentor.register('DepthEstimator', {
  schema: DepthEstimatorOptions,
  build: (o, ctx) => new DepthEstimator(o, ctx),
});
