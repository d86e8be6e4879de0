/**
 * mmseg's EncoderDecoder, a Segmentor for task 'segmentation': backbone -> [neck] -> decode_head, plus auxiliary
 * heads (training only) with their own losses. Heads resize logits to the label size for the loss; prediction
 * resizes them to the input size, on the whole image or on overlapping crops (test_cfg).
 * State names: `backbone.*`, `neck.*`, `decode_head.*`, `auxiliary_head.*` (or `auxiliary_head.{i}.*` for a list).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Type } from '@sinclair/typebox';
import { Module, ModuleList, interpolate } from '../nn/index.js';
import {
  choice, component, defineOptions, nullable, option, optional, required, type OptionsInput,
} from '../config/declare.js';
import { resolveOptions } from '../config/resolve.js';
import { sizePair } from '../config/schema-parts.js';
import { registries, type BuildContext } from '../registry.js';
import {
  backboneOutputs, imagePart, withPrefix, type Backbone, type DecodeHead, type Neck, type Segmentor, type Targets, type VolumeHead,
} from './types.js';
import { DataPreprocessorOptions, SegDataPreProcessor } from './data-preprocessor.js';
import { slideInference } from './slide-inference.js';
import { LocalLearning, LocalLearningOptions } from './local-learning.js';

/** Inference as mmseg's test_cfg: one pass over the whole image, or overlapping crops. */
export type TestCfg = { mode: 'whole' } | { mode: 'slide'; crop_size: [number, number]; stride: [number, number] };

/** The parts every segmentor has: backbone -> [neck] -> decode_head, and the data preprocessor. */
export const segmentorParts = {
  backbone: required(component('backbone'), 'the image encoder'),
  neck: optional(nullable(component('neck')), 'between backbone and heads; absent: none'),
  decode_head: required(component('head'), 'the head whose output is the prediction'),
};

/** mmseg 1.x's data_preprocessor of a segmentor; absent: none (the pipeline normalises). */
export const dataPreprocessorOption = optional(
  nullable(DataPreprocessorOptions),
  'normalisation and padding of raw batches (mean, std, bgr_to_rgb, pad_val, seg_pad_val, size, size_divisor)',
);

export const EncoderDecoderOptions = defineOptions(
  'EncoderDecoder',
  'backbone -> [neck] -> decode_head, plus auxiliary heads during training; logits resized to the input',
  {
    ...segmentorParts,
    auxiliary_head: optional(
      nullable(component('head', { list: true })),
      'one head (named auxiliary_head) or a list (auxiliary_head.{i}) with their own losses, in training only',
    ),
    train_cfg: option(
      Type.Object({ local_learning: optional(LocalLearningOptions, 'train the backbone module by module (local learning)') }, {
        additionalProperties: false,
      }),
      {},
      "mmseg's train_cfg; local_learning: module-wise training of the backbone",
    ),
    data_preprocessor: dataPreprocessorOption,
    test_cfg: option(
      Type.Object(
        {
          mode: option(choice(['whole', 'slide']), 'whole', 'whole: one pass; slide: overlapping crops, logits averaged'),
          crop_size: optional(sizePair, 'slide: [h, w] of a crop'),
          stride: optional(sizePair, 'slide: [h, w] step between crops'),
        },
        { additionalProperties: false },
      ),
      { mode: 'whole' },
      "inference: {mode: 'whole'}, or {mode: 'slide', crop_size, stride}",
    ),
  },
);
export type EncoderDecoderOptions = OptionsInput<typeof EncoderDecoderOptions>;

export class EncoderDecoder extends Module implements Segmentor {
  readonly task = 'segmentation';
  readonly backbone: Backbone;
  readonly neck?: Neck;
  readonly decodeHead: DecodeHead;
  readonly auxiliaryHeads: DecodeHead[];
  readonly dataPreprocessor: SegDataPreProcessor;
  readonly testCfg: TestCfg;
  /** Module-wise training (train_cfg.local_learning with num_modules > 1); absent: end to end. */
  readonly localLearning?: LocalLearning;
  /** Loss-key prefix per auxiliary head: `aux` for a single head, `aux_{i}` for a list (as mmseg). */
  readonly #auxPrefixes: string[];

  constructor(options: EncoderDecoderOptions, ctx?: BuildContext) {
    super();
    const o = resolveOptions(EncoderDecoderOptions, options, ctx);
    const test = o.test_cfg;
    if (test.mode === 'slide' && (!test.crop_size || !test.stride)) {
      throw new Error(`${ctx?.path ?? 'EncoderDecoder'}.test_cfg: slide mode needs crop_size and stride`);
    }
    this.testCfg = test as TestCfg;
    const path = ctx?.path ?? 'EncoderDecoder';
    this.backbone = this.addModule('backbone', imagePart<Backbone>(o.backbone, `${path}.backbone`, 'EncoderDecoder'));
    if (o.neck) this.neck = this.addModule('neck', o.neck);
    this.decodeHead = this.addModule('decode_head', imagePart<DecodeHead>(o.decode_head, `${path}.decode_head`, 'EncoderDecoder'));
    this.dataPreprocessor = new SegDataPreProcessor(o.data_preprocessor ?? {});
    const auxPart = (head: DecodeHead | VolumeHead, at: string) => imagePart<DecodeHead>(head, `${path}.${at}`, 'EncoderDecoder');
    const aux = Array.isArray(o.auxiliary_head)
      ? o.auxiliary_head.map((h, i) => auxPart(h, `auxiliary_head.${i}`))
      : o.auxiliary_head && auxPart(o.auxiliary_head, 'auxiliary_head');
    if (Array.isArray(aux)) {
      this.auxiliaryHeads = this.addModule('auxiliary_head', new ModuleList(aux)).items;
      this.#auxPrefixes = aux.map((_, i) => `aux_${i}`);
    } else {
      this.auxiliaryHeads = aux ? [this.addModule('auxiliary_head', aux)] : [];
      this.#auxPrefixes = aux ? ['aux'] : [];
    }
    const local = o.train_cfg.local_learning;
    if (local && local.num_modules > 1) {
      const parts = {
        backbone: this.backbone,
        numClasses: this.decodeHead.numClasses,
        alignCorners: this.decodeHead.alignCorners,
        ignoreIndex: (this.decodeHead as { ignoreIndex?: number }).ignoreIndex ?? 255,
        preprocessor: this.dataPreprocessor.options,
        headLosses: (outs: tf.Tensor4D[], priors: tf.Tensor4D[], targets: Targets) => this.#headLosses(outs, priors, targets),
      };
      const at = { registries: ctx?.registries ?? registries, path: `${path}.train_cfg.local_learning` };
      this.localLearning = this.addModule('local_learning', new LocalLearning(local, parts, at));
    }
  }

  /** Backbone (and neck) features of normalised images [B, H, W, C]. */
  extractFeat(img: tf.Tensor4D): tf.Tensor4D[] {
    return tf.tidy(() => this.#extractWithPriors(img).features);
  }

  /** Logits [B, H, W, num_classes] at the input's size. */
  encodeDecode(img: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const logits = this.decodeHead.forward(this.extractFeat(img));
      return interpolate(logits, { size: [img.shape[1], img.shape[2]], alignCorners: this.decodeHead.alignCorners });
    });
  }

  /** Features and, for backbones that have them (SeMask), the prior maps. */
  #extractWithPriors(img: tf.Tensor4D): { features: tf.Tensor4D[]; priors: tf.Tensor4D[] } {
    const { outs, priors } = backboneOutputs(this.backbone, img);
    return { features: this.neck ? this.neck.forward(outs) : outs, priors };
  }

  /** Test-mode logits [B, H, W, num_classes] at the input's size: one pass, or overlapping crops (test_cfg). */
  predict(img: tf.Tensor4D): tf.Tensor4D {
    const cfg = this.testCfg;
    if (cfg.mode === 'whole') return this.encodeDecode(img);
    return slideInference(img, cfg.crop_size, cfg.stride, this.decodeHead.numClasses, (crop) => this.encodeDecode(crop));
  }

  /**
   * Training losses: `decode.*` and `aux.*` / `aux_{i}.*` (loss_* terms and acc_seg) against `targets.label`
   * ([B, H, W] int32); the heads also get the backbone's prior maps (SeMask).
   */
  loss(img: tf.Tensor4D, targets: Targets): Record<string, tf.Scalar> {
    const { outs, priors } = backboneOutputs(this.backbone, img);
    return this.#headLosses(outs, priors, targets);
  }

  /** The losses of the neck and heads on the backbone's outputs and prior maps. */
  #headLosses(outs: tf.Tensor4D[], priors: tf.Tensor4D[], targets: Targets): Record<string, tf.Scalar> {
    const features = this.neck ? this.neck.forward(outs) : outs;
    const withPriors = { ...targets, priors };
    const heads = [this.decodeHead, ...this.auxiliaryHeads];
    const prefixes = ['decode', ...this.#auxPrefixes];
    return Object.assign({}, ...heads.map((head, i) => withPrefix(prefixes[i], head.loss(features, withPriors))));
  }
}

registries.segmentor.register('EncoderDecoder', {
  schema: EncoderDecoderOptions,
  build: (o, ctx) => new EncoderDecoder(o, ctx),
});

export { totalLoss } from './total-loss.js';
