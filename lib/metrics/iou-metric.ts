/** mmseg 1.x `IoUMetric`: dataset-level mIoU / mDice / mFscore from predicted and ground-truth class maps. */
import {
  addAreas, CLASS_RATIOS, emptyAreas, intersectAndUnion, totalAreaToMetrics, type Areas, type ClassMap, type IoUMetricName,
} from './iou.js';
import { nanMean, roundHalfEven } from './round.js';

export interface IoUMetricOptions {
  /** Label value left out of every count, default 255. */
  ignoreIndex?: number;
  /** Default ['mIoU']. */
  iouMetrics?: IoUMetricName[];
  /** Replace NaN ratios (classes absent from predictions and labels) by this value; default null keeps NaN. */
  nanToNum?: number | null;
  /** Weight of recall in the F-score, default 1. */
  beta?: number;
}

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

  constructor(options: IoUMetricOptions = {}) {
    this.ignoreIndex = options.ignoreIndex ?? 255;
    this.iouMetrics = options.iouMetrics ?? ['mIoU'];
    this.nanToNum = options.nanToNum ?? null;
    this.beta = options.beta ?? 1;
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
