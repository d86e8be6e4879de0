/**
 * mmseg's EncoderDecoder: backbone -> [neck] -> decode_head, plus auxiliary heads (training only) with their own
 * losses. Heads resize logits to the label size for the loss; prediction resizes them to the input size.
 * State names: `backbone.*`, `neck.*`, `decode_head.*`, `auxiliary_head.*` (or `auxiliary_head.{i}.*` for a list).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module, ModuleList, interpolate } from '../nn/index.js';
import type { BaseDecodeHead } from '../../heads/decode-head.js';
import { backboneOutputs, type Backbone, type Neck } from './types.js';
import { SegDataPreProcessor } from './data-preprocessor.js';
import type { TestCfg } from '../engine/inference.js';

export interface EncoderDecoderParts {
  backbone: Backbone;
  neck?: Neck;
  decodeHead: BaseDecodeHead;
  /** One head (named `auxiliary_head`) or a list (named `auxiliary_head.{i}`). */
  auxiliaryHead?: BaseDecodeHead | BaseDecodeHead[];
  /** Normalisation and padding of raw batches (mmseg 1.x). Default: none (the pipeline normalises). */
  dataPreprocessor?: SegDataPreProcessor;
  /** Inference mode. Default whole. */
  testCfg?: TestCfg;
}

export class EncoderDecoder extends Module {
  readonly backbone: Backbone;
  readonly neck?: Neck;
  readonly decodeHead: BaseDecodeHead;
  readonly auxiliaryHeads: BaseDecodeHead[];
  readonly dataPreprocessor: SegDataPreProcessor;
  readonly testCfg: TestCfg;
  /** Loss-key prefix per auxiliary head: `aux` for a single head, `aux_{i}` for a list (as mmseg). */
  readonly #auxPrefixes: string[];

  constructor(parts: EncoderDecoderParts) {
    super();
    this.backbone = this.addModule('backbone', parts.backbone);
    if (parts.neck) this.neck = this.addModule('neck', parts.neck);
    this.decodeHead = this.addModule('decode_head', parts.decodeHead);
    this.dataPreprocessor = parts.dataPreprocessor ?? new SegDataPreProcessor();
    this.testCfg = parts.testCfg ?? { mode: 'whole' };
    const aux = parts.auxiliaryHead;
    if (Array.isArray(aux)) {
      this.auxiliaryHeads = this.addModule('auxiliary_head', new ModuleList(aux)).items;
      this.#auxPrefixes = aux.map((_, i) => `aux_${i}`);
    } else {
      this.auxiliaryHeads = aux ? [this.addModule('auxiliary_head', aux)] : [];
      this.#auxPrefixes = aux ? ['aux'] : [];
    }
  }

  get numClasses(): number {
    return this.decodeHead.numClasses;
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

  /** Training losses: `decode.*` and `aux.*` / `aux_{i}.*` (loss_* terms and acc_seg). label: [B, H, W] int32. */
  forwardTrain(img: tf.Tensor4D, label: tf.Tensor3D): Record<string, tf.Scalar> {
    const { features, priors } = this.#extractWithPriors(img);
    const losses: Record<string, tf.Scalar> = {};
    const add = (prefix: string, head: BaseDecodeHead) => {
      for (const [k, v] of Object.entries(head.forwardTrain(features, label, priors))) losses[`${prefix}.${k}`] = v;
    };
    add('decode', this.decodeHead);
    this.auxiliaryHeads.forEach((head, i) => add(this.#auxPrefixes[i], head));
    return losses;
  }
}

/** The optimised objective: the sum of every `loss*` term (acc_seg and the like are only reported). */
export function totalLoss(losses: Record<string, tf.Scalar>): tf.Scalar {
  const terms = Object.entries(losses)
    .filter(([k]) => k.split('.').pop()!.startsWith('loss'))
    .map(([, v]) => v);
  if (terms.length === 0) throw new Error('no loss terms to optimise');
  return tf.addN(terms) as tf.Scalar;
}
