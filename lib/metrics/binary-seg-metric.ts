/**
 * Binary lesion segmentation metrics (ISIC 2017/2018, PH2, as HiFormer and its baselines report them): the
 * confusion of the lesion class over every pixel of the dataset, then Dice, IoU, sensitivity, specificity and
 * accuracy, in percent.
 */
import { Type } from '@sinclair/typebox';
import { defineOptions, option, type OptionsInput } from '../config/declare.js';
import { resolveOptions } from '../config/resolve.js';
import { registries, type BuildContext } from '../registry.js';
import type { ClassMap } from './iou.js';
import { roundHalfEven } from './round.js';

export const BinarySegMetricOptions = defineOptions(
  'BinarySegMetric',
  'lesion Dice, IoU, sensitivity, specificity and accuracy from the pixel confusion over the dataset',
  {
    foreground: option(Type.Integer({ minimum: 0 }), 1, 'the class id of the lesion; every other class is background'),
    ignore_index: option(Type.Integer(), 255, 'label value left out of every count'),
  },
);
export type BinarySegMetricOptions = OptionsInput<typeof BinarySegMetricOptions>;

/** Percent, 2 decimals. */
export interface BinarySegResult {
  Dice: number;
  IoU: number;
  Sensitivity: number;
  Specificity: number;
  Accuracy: number;
}

export class BinarySegMetric {
  /** Unused: the lesion is `foreground` whatever the classes (kept for the evaluation loop's interface). */
  datasetMeta?: { classes: readonly string[] };
  readonly foreground: number;
  readonly ignoreIndex: number;
  #tp = 0;
  #fp = 0;
  #fn = 0;
  #tn = 0;

  constructor(options: BinarySegMetricOptions = {}, ctx?: BuildContext) {
    const o = resolveOptions(BinarySegMetricOptions, options, ctx);
    this.foreground = o.foreground;
    this.ignoreIndex = o.ignore_index;
  }

  /** Add one image's predicted and ground-truth class maps. */
  process(pred: ClassMap, label: ClassMap): void {
    for (let i = 0; i < label.length; i++) {
      if (label[i] === this.ignoreIndex) continue;
      const [p, g] = [pred[i] === this.foreground, label[i] === this.foreground];
      if (p && g) this.#tp++;
      else if (p) this.#fp++;
      else if (g) this.#fn++;
      else this.#tn++;
    }
  }

  compute(): BinarySegResult {
    const [tp, fp, fn, tn] = [this.#tp, this.#fp, this.#fn, this.#tn];
    if (tp + fp + fn + tn === 0) throw new Error('BinarySegMetric.compute: no pixel was processed');
    const pct = (num: number, den: number) => roundHalfEven(den === 0 ? NaN : (100 * num) / den);
    return {
      Dice: pct(2 * tp, 2 * tp + fp + fn),
      IoU: pct(tp, tp + fp + fn),
      Sensitivity: pct(tp, tp + fn),
      Specificity: pct(tn, tn + fp),
      Accuracy: pct(tp + tn, tp + fp + fn + tn),
    };
  }

  reset(): void {
    [this.#tp, this.#fp, this.#fn, this.#tn] = [0, 0, 0, 0];
  }
}

registries.metric.register('BinarySegMetric', { schema: BinarySegMetricOptions, build: (o, ctx) => new BinarySegMetric(o, ctx) });
