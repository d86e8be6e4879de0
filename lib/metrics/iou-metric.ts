/** mmseg 1.x `IoUMetric`: dataset-level mIoU / mDice / mFscore from predicted and ground-truth class maps. */
import { Type } from '@sinclair/typebox';
import { choice, defineOptions, nullable, option, type OptionsInput } from '../config/declare.js';
import { resolveOptions } from '../config/resolve.js';
import { positive } from '../config/schema-parts.js';
import { registries, type BuildContext } from '../registry.js';
import {
  addAreas, CLASS_RATIOS, emptyAreas, intersectAndUnion, IOU_METRICS, totalAreaToMetrics, type Areas, type ClassMap,
  type IoUMetricName,
} from './iou.js';
import { nanMean, roundHalfEven } from './round.js';

export const IoUMetricOptions = defineOptions(
  'IoUMetric',
  'mIoU / mDice / mFscore from per-class areas summed over the dataset, as mmseg 1.x',
  {
    ignore_index: option(Type.Integer(), 255, 'label value left out of every count'),
    iou_metrics: option(Type.Array(choice(IOU_METRICS), { minItems: 1 }), ['mIoU'], 'the metrics to compute (each with aAcc and mAcc)'),
    nan_to_num: option(nullable(Type.Number()), null, 'replaces NaN ratios (classes absent from predictions and labels); null: keep NaN'),
    beta: option(positive, 1, 'weight of recall in the F-score'),
  },
);
export type IoUMetricOptions = OptionsInput<typeof IoUMetricOptions>;

/** One class's ratios in percent with 2 decimals (mmseg's per-class table); NaN where undefined. */
export interface ClassResult {
  name: string;
  iou?: number;
  acc?: number;
  dice?: number;
  fscore?: number;
  precision?: number;
  recall?: number;
}

/** mmseg's summary (percent, 2 decimals, NaN classes left out of the means) and the per-class table. */
export interface IoUResult {
  aAcc: number;
  mIoU?: number;
  mAcc?: number;
  mDice?: number;
  mFscore?: number;
  mPrecision?: number;
  mRecall?: number;
  perClass: ClassResult[];
  /** Classes absent from both predictions and labels: NaN, left out of the means (empty with nan_to_num). */
  excluded: string[];
}

export class IoUMetric {
  /** The dataset's classes (mmengine's `dataset_meta`); set before `process`. */
  datasetMeta?: { classes: readonly string[] };
  readonly ignoreIndex: number;
  readonly iouMetrics: readonly IoUMetricName[];
  readonly nanToNum: number | null;
  readonly beta: number;
  #total: Areas | null = null;

  constructor(options: IoUMetricOptions = {}, ctx?: BuildContext) {
    const o = resolveOptions(IoUMetricOptions, options, ctx);
    this.ignoreIndex = o.ignore_index;
    this.iouMetrics = o.iou_metrics;
    this.nanToNum = o.nan_to_num;
    this.beta = o.beta;
  }

  /** Add one image: `pred` and `label` are class maps of the same pixels (at the original resolution). */
  process(pred: ClassMap, label: ClassMap): void {
    const numClasses = this.#classes().length;
    this.#total ??= emptyAreas(numClasses);
    if (this.#total.union.length !== numClasses) {
      throw new Error(`IoUMetric: the classes changed from ${this.#total.union.length} to ${numClasses}; reset first`);
    }
    addAreas(this.#total, intersectAndUnion(pred, label, numClasses, this.ignoreIndex));
  }

  /** The metrics of every image processed since the last `reset`. */
  compute(): IoUResult {
    const classes = this.#classes();
    if (this.#total === null) throw new Error('IoUMetric.compute: no image was processed');
    const ratios = totalAreaToMetrics(this.#total, this.iouMetrics, this.nanToNum, this.beta);
    const result: IoUResult = { aAcc: roundHalfEven(ratios.aAcc * 100), perClass: [], excluded: [] };
    for (const key of CLASS_RATIOS) {
      const values = ratios[key];
      if (values !== undefined) result[`m${key}`] = roundHalfEven(nanMean(values) * 100);
    }
    result.perClass = classes.map((name, c) => {
      const row: ClassResult = { name };
      for (const key of CLASS_RATIOS) {
        const values = ratios[key];
        if (values !== undefined) row[key.toLowerCase() as Lowercase<typeof key>] = roundHalfEven(values[c]! * 100);
      }
      return row;
    });
    if (this.nanToNum === null) result.excluded = classes.filter((_, c) => this.#total!.union[c] === 0);
    return result;
  }

  /** Forget every processed image. */
  reset(): void {
    this.#total = null;
  }

  #classes(): readonly string[] {
    const classes = this.datasetMeta?.classes;
    if (classes === undefined || classes.length === 0) throw new Error('IoUMetric: set datasetMeta.classes first');
    return classes;
  }
}

registries.metric.register('IoUMetric', { schema: IoUMetricOptions, build: (o, ctx) => new IoUMetric(o, ctx) });
