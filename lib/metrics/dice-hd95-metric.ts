/**
 * Dice and HD95 per organ and per case on whole volumes, as TransUNet's (and HiFormer's) test.py reports Synapse:
 * every foreground class of every case scored with `caseMetric` (medpy's dc / hd95 with TransUNet's empty-mask
 * rules), then per class the mean over the cases, then the means over the classes.
 */
import { Type } from '@sinclair/typebox';
import { defineOptions, option, type OptionsInput } from '../config/declare.js';
import { resolveOptions } from '../config/resolve.js';
import { registries, type BuildContext } from '../registry.js';
import { caseMetric } from './surface.js';

export const DiceHD95MetricOptions = defineOptions(
  'DiceHD95Metric',
  'Dice and HD95 per foreground class on whole volumes (TransUNet / medpy rules), per case and averaged',
  {
    use_spacing: option(Type.Boolean(), true, 'HD95 in mm when the dataset gives the voxel spacing; false: always in voxels'),
  },
);
export type DiceHD95MetricOptions = OptionsInput<typeof DiceHD95MetricOptions>;

/** One case: Dice and HD95 per foreground class (class 1 first), and their means. */
export interface CaseResult {
  name: string;
  dice: number[];
  hd95: number[];
  meanDice: number;
  meanHD95: number;
}

export interface DiceHD95Result {
  /** Per foreground class, the mean over the cases (fractions; HD95 in `unit`). */
  perClass: { name: string; dice: number; hd95: number }[];
  perCase: CaseResult[];
  mDice: number;
  mHD95: number;
  unit: 'mm' | 'voxel';
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

export class DiceHD95Metric {
  /** The dataset's classes, index 0 = background (not scored); set before `processCase`. */
  datasetMeta?: { classes: readonly string[] };
  readonly useSpacing: boolean;
  #cases: CaseResult[] = [];
  #allSpaced = true;

  constructor(options: DiceHD95MetricOptions = {}, ctx?: BuildContext) {
    this.useSpacing = resolveOptions(DiceHD95MetricOptions, options, ctx).use_spacing;
  }

  /** Score one case: `pred` and `label` are class maps of `shape` ([D, H, W] or [H, W]); `spacing` in mm, when known. */
  processCase(name: string, pred: ArrayLike<number>, label: ArrayLike<number>, shape: number[], spacing?: number[]): CaseResult {
    const classes = this.#classes();
    if (pred.length !== label.length) throw new Error(`DiceHD95Metric: case ${name}: ${pred.length} predicted voxels, ${label.length} labelled`);
    const scale = this.useSpacing ? spacing : undefined;
    if (scale === undefined) this.#allSpaced = false;
    const dice: number[] = [];
    const hd95: number[] = [];
    for (let c = 1; c < classes.length; c++) {
      const r = caseMetric(Uint8Array.from(pred, (v) => (v === c ? 1 : 0)), Uint8Array.from(label, (v) => (v === c ? 1 : 0)), shape, scale);
      dice.push(r.dice);
      hd95.push(r.hd95);
    }
    const result = { name, dice, hd95, meanDice: mean(dice), meanHD95: mean(hd95) };
    this.#cases.push(result);
    return result;
  }

  compute(): DiceHD95Result {
    const classes = this.#classes();
    if (this.#cases.length === 0) throw new Error('DiceHD95Metric.compute: no case was processed');
    const perClass = classes.slice(1).map((name, i) => ({
      name,
      dice: mean(this.#cases.map((c) => c.dice[i]!)),
      hd95: mean(this.#cases.map((c) => c.hd95[i]!)),
    }));
    return {
      perClass,
      perCase: [...this.#cases],
      mDice: mean(perClass.map((c) => c.dice)),
      mHD95: mean(perClass.map((c) => c.hd95)),
      unit: this.#allSpaced ? 'mm' : 'voxel',
    };
  }

  reset(): void {
    this.#cases = [];
    this.#allSpaced = true;
  }

  #classes(): readonly string[] {
    const classes = this.datasetMeta?.classes;
    if (classes === undefined || classes.length < 2) throw new Error('DiceHD95Metric: set datasetMeta.classes (background first) first');
    return classes;
  }
}

registries.metric.register('DiceHD95Metric', { schema: DiceHD95MetricOptions, build: (o, ctx) => new DiceHD95Metric(o, ctx) });
