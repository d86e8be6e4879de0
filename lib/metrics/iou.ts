/**
 * The IoU family as mmseg 1.x computes it (`IoUMetric.intersect_and_union`, `total_area_to_metrics`): per-class
 * pixel areas summed over the whole dataset, then per-class ratios.
 */

/** Class ids per pixel, row-major. */
export type ClassMap = Uint8Array | Uint16Array | Int32Array;

/** Per-class pixel counts (index = class id). */
export interface Areas {
  intersect: Float64Array;
  union: Float64Array;
  pred: Float64Array;
  label: Float64Array;
}

export const IOU_METRICS = ['mIoU', 'mDice', 'mFscore'] as const;
export type IoUMetricName = (typeof IOU_METRICS)[number];

/** Per-class ratios (fractions, NaN where the denominator is 0) and the overall accuracy. */
export interface ClassRatios {
  aAcc: number;
  IoU?: Float64Array;
  Acc?: Float64Array;
  Dice?: Float64Array;
  Fscore?: Float64Array;
  Precision?: Float64Array;
  Recall?: Float64Array;
}

/** The per-class entries of `ClassRatios`, in mmseg's table order. */
export const CLASS_RATIOS = ['IoU', 'Acc', 'Dice', 'Fscore', 'Precision', 'Recall'] as const;

export function emptyAreas(numClasses: number): Areas {
  const make = () => new Float64Array(numClasses);
  return { intersect: make(), union: make(), pred: make(), label: make() };
}

/**
 * The areas of one image: pixels whose label is `ignoreIndex` are dropped, then intersect / pred / label are
 * histograms over classes 0..numClasses−1 (values outside that range are not counted, as `torch.histc`), and
 * union = pred + label − intersect.
 */
export function intersectAndUnion(pred: ClassMap, label: ClassMap, numClasses: number, ignoreIndex: number): Areas {
  if (pred.length !== label.length) throw new Error(`prediction has ${pred.length} pixels, label ${label.length}`);
  const areas = emptyAreas(numClasses);
  const inRange = (c: number) => c >= 0 && c < numClasses;
  for (let i = 0; i < label.length; i++) {
    const l = label[i]!;
    if (l === ignoreIndex) continue;
    const p = pred[i]!;
    if (inRange(p)) areas.pred[p]! += 1;
    if (inRange(l)) areas.label[l]! += 1;
    if (p === l && inRange(p)) areas.intersect[p]! += 1;
  }
  for (let c = 0; c < numClasses; c++) areas.union[c] = areas.pred[c]! + areas.label[c]! - areas.intersect[c]!;
  return areas;
}

/** Add `more` into `total`. */
export function addAreas(total: Areas, more: Areas): void {
  for (const key of ['intersect', 'union', 'pred', 'label'] as const) {
    for (let c = 0; c < total[key].length; c++) total[key][c]! += more[key][c]!;
  }
}

const ratio = (a: Float64Array, b: Float64Array) => a.map((x, c) => x / b[c]!);

/**
 * mmseg's `total_area_to_metrics`: aAcc = ΣI/ΣL; mIoU → IoU = I/U and Acc = I/L; mDice → Dice = 2I/(P+L) and Acc;
 * mFscore → Precision = I/P, Recall = I/L, Fscore = (1+β²)·P·R/(β²·P + R). With `nanToNum`, NaNs become it.
 */
export function totalAreaToMetrics(
  areas: Areas,
  metrics: readonly IoUMetricName[],
  nanToNum: number | null,
  beta = 1,
): ClassRatios {
  const { intersect, union, pred, label } = areas;
  const sum = (a: Float64Array) => a.reduce((s, x) => s + x, 0);
  const out: ClassRatios = { aAcc: sum(intersect) / sum(label) };
  for (const metric of metrics) {
    if (metric === 'mIoU') {
      out.IoU = ratio(intersect, union);
      out.Acc = ratio(intersect, label);
    } else if (metric === 'mDice') {
      out.Dice = intersect.map((x, c) => (2 * x) / (pred[c]! + label[c]!));
      out.Acc = ratio(intersect, label);
    } else {
      const precision = ratio(intersect, pred);
      const recall = ratio(intersect, label);
      const b2 = beta ** 2;
      out.Fscore = precision.map((p, c) => ((1 + b2) * (p * recall[c]!)) / (b2 * p + recall[c]!));
      out.Precision = precision;
      out.Recall = recall;
    }
  }
  return nanToNum === null ? out : replaceNaN(out, nanToNum);
}

function replaceNaN(ratios: ClassRatios, value: number): ClassRatios {
  const fix = (x: number) => (Number.isNaN(x) ? value : x);
  const out: ClassRatios = { aAcc: fix(ratios.aAcc) };
  for (const key of CLASS_RATIOS) out[key] = ratios[key]?.map(fix);
  return out;
}
