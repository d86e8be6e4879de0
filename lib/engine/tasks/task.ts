/**
 * What the engine and the commands need to know about a model's task, so that one training loop, `eval`, `predict`
 * and `profile` run every segmentor: how a batch's ground truth becomes targets, the metric, the test-time
 * augmentation and the files a prediction writes. lib/engine/tasks/index.ts keys one per task name.
 */
import type { Batch, DataLoader } from '../../../datasets/loader.js';
import type { DatasetMeta, Transform } from '../../../datasets/types.js';
import type { ComponentConfig } from '../../config/types.js';
import { registries } from '../../registry.js';
import type { Segmentor, Targets } from '../../segmentors/types.js';
import type { EvaluateOptions } from '../evaluate.js';
import type { AugOptions } from '../inference.js';

/** One evaluation: the figures to log and plot, the text to print, everything for a JSON report. */
export interface Evaluation {
  metrics: Record<string, number>;
  report: string;
  result: object;
}

/** A task's metric over a dataset: what `train` validates and picks the best checkpoint with, what `eval` reports. */
export interface Evaluator {
  /** The names of `Evaluation.metrics`. */
  readonly metricNames: readonly string[];
  /** The metric that picks the `best` checkpoint by default. */
  readonly bestMetric: string;
  /** Whether a larger value of `metric` is better (mIoU, δ1) or a smaller one (AbsRel, RMSE). */
  higherIsBetter(metric: string): boolean;
  /** The metric over every sample of `loader`, in test mode. */
  evaluate(loader: DataLoader, options?: EvaluateOptions): Promise<Evaluation>;
}

/** What `segvit predict` predicts and where its outputs go. */
export interface PredictOutputs {
  files: string[];
  /** The output folder. */
  out: string;
  /** The test pipeline's image transforms. */
  transforms: Transform[];
  meta: DatasetMeta;
  /** Test-time augmentation; absent: none. */
  aug?: AugOptions;
  /** Opacity of a mask drawn over its image, 0..1. */
  opacity: number;
}

export interface Task {
  readonly model: Segmentor;
  /** The test-time augmentation of `--aug-test`. */
  readonly testAug: AugOptions;
  /** The batch's ground truth as the model trains on it. */
  targets(batch: Batch): Targets;
  /** Random ground truth for a batch of `shape`: [B, h, w], or [B, d, h, w] for volumes (`segvit profile`). */
  randomTargets(shape: number[]): Targets;
  /** The evaluator that `cfg` (val_evaluator or test_evaluator, at config path `path`) configures; absent: the task's default. */
  evaluator(cfg: ComponentConfig | undefined, path: string): Evaluator;
  /** Predict each image file and write its outputs, a line per image on stdout (`segvit predict`). */
  predictFiles(o: PredictOutputs): Promise<void>;
}

/** The metric that `cfg` (at config path `path`) builds, else a default `kinds[0]`, checked to be one of `kinds`. */
export function metricOf<T>(kinds: readonly (abstract new (...args: never[]) => T)[], cfg: ComponentConfig | undefined, path: string, model: string): T {
  const metric: unknown = registries.metric.build(cfg ?? { type: kinds[0]!.name }, path);
  if (!kinds.some((kind) => metric instanceof kind)) {
    throw new Error(`${path}: ${cfg!.type} does not evaluate a ${model}; use ${kinds.map((k) => k.name).join(' or ')}`);
  }
  return metric as T;
}
