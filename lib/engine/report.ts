/** Evaluation results as mmseg prints them: a per-class table, then the summary. */
import type { IoUResult } from '../metrics/iou-metric.js';
import { formatTable } from '../viz/table.js';

const fixed = (v: number | undefined) => (v === undefined ? '' : Number.isNaN(v) ? 'nan' : v.toFixed(2));

export function formatIoU(result: IoUResult): string {
  const perClass = formatTable(
    ['Class', 'IoU', 'Acc'],
    result.perClass.map((c) => [c.name, fixed(c.iou), fixed(c.acc)]),
  );
  const summary = formatTable(['aAcc', 'mIoU', 'mAcc'], [[fixed(result.aAcc), fixed(result.mIoU), fixed(result.mAcc)]]);
  const excluded = result.excluded.length ? `\nabsent from labels and predictions (left out of the means): ${result.excluded.join(', ')}` : '';
  return `per-class results:\n${perClass}\nSummary:\n${summary}${excluded}`;
}
