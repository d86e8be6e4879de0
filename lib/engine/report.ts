/** Evaluation results as mmseg prints them: a per-class table then the summary; depth errors in one table. */
import type { BinarySegResult } from '../metrics/binary-seg-metric.js';
import type { DepthErrors } from '../metrics/depth.js';
import type { DiceHD95Result } from '../metrics/dice-hd95-metric.js';
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

/** How depth errors were computed: the ground-truth range, the crop, the alignment. */
export interface DepthSettings {
  min_depth_eval: number;
  max_depth_eval: number;
  crop_type: string | null;
  align: string | null;
}

/** Depth errors in one table, 4 decimals (d1..d3 are shares, silog is ×100 as BTS reports it), after their settings. */
export function formatDepth(result: Partial<DepthErrors>, settings: DepthSettings): string {
  const entries = Object.entries(result);
  const table = formatTable(entries.map(([k]) => k), [entries.map(([, v]) => (Number.isNaN(v) ? 'nan' : v.toFixed(4)))]);
  const align = settings.align ? `, predictions aligned (${settings.align})` : '';
  return `depth errors (${settings.min_depth_eval} < gt < ${settings.max_depth_eval} m, crop ${settings.crop_type ?? 'none'}${align}):\n${table}`;
}

const f4 = (v: number) => (Number.isNaN(v) ? 'nan' : v.toFixed(4));

/**
 * Dice and HD95 as TransUNet's test.py logs them: a line per case (its means over the organs), then per organ the
 * mean over the cases, then the means over the organs.
 */
export function formatDiceHD95(result: DiceHD95Result): string {
  const cases = result.perCase.map((c) => `case ${c.name}: mean_dice ${f4(c.meanDice)} mean_hd95 ${f4(c.meanHD95)}`);
  const table = formatTable(
    ['Class', 'Dice', `HD95 (${result.unit})`],
    [...result.perClass.map((c) => [c.name, f4(c.dice), f4(c.hd95)]), ['mean', f4(result.mDice), f4(result.mHD95)]],
  );
  return `${cases.join('\n')}\nper-class results (mean over ${result.perCase.length} cases):\n${table}`;
}

/** Binary lesion metrics in one table (percent). */
export function formatBinarySeg(result: BinarySegResult): string {
  const entries = Object.entries(result);
  return `lesion (foreground) metrics, %:\n${formatTable(entries.map(([k]) => k), [entries.map(([, v]) => fixed(v))])}`;
}
