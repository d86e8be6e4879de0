/**
 * What the training loop and `segvit eval` need to know about a model's task — how a batch's ground truth becomes a
 * tensor, the loss terms, the evaluation and the metric that ranks checkpoints — so that one loop trains both
 * segmentors (EncoderDecoder, IoUMetric) and depth estimators (DepthEstimator, DepthMetric).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Batch, DataLoader } from '../../datasets/loader.js';
import type { ComponentConfig } from '../config/types.js';
import { DepthMetric } from '../metrics/depth-metric.js';
import { IoUMetric } from '../metrics/iou-metric.js';
import type { Module } from '../nn/module.js';
import { registries } from '../registry.js';
import { DepthEstimator } from '../segmentors/depth-estimator.js';
import { EncoderDecoder } from '../segmentors/encoder-decoder.js';
import { DEPTH_FLIP_AUG } from './depth-inference.js';
import { evaluateDepth, evaluateSegmentation, type EvaluateOptions } from './evaluate.js';
import { MS_FLIP_AUG, type AugOptions } from './inference.js';
import { formatDepth, formatIoU } from './report.js';

/** One evaluation: the figures to log and plot, the text to print, everything for a JSON report. */
export interface Evaluation {
  metrics: Record<string, number>;
  report: string;
  result: object;
}

export interface Task {
  readonly model: EncoderDecoder | DepthEstimator;
  /** The names of `Evaluation.metrics`. */
  readonly metricNames: readonly string[];
  /** The metric that picks the `best` checkpoint by default. */
  readonly bestMetric: string;
  /** The test-time augmentation of `--aug-test`. */
  readonly testAug: AugOptions;
  /** Whether a larger value of `metric` is better (mIoU, δ1) or a smaller one (AbsRel, RMSE). */
  higherIsBetter(metric: string): boolean;
  /** The batch's ground truth: class ids [B, h, w] int32, or depth [B, h, w] float32 in metres. */
  target(batch: Batch): tf.Tensor3D;
  /** Loss terms of raw images [B, H, W, C] and their ground truth, preprocessed as for training. */
  losses(images: tf.Tensor4D, target: tf.Tensor3D): Record<string, tf.Scalar>;
  /** The metric over every sample of `loader`, in test mode. */
  evaluate(loader: DataLoader, options?: EvaluateOptions): Promise<Evaluation>;
}

/** The evaluator of `cfg` (at config path `path`), else a default `kind`, checked to be a `kind`. */
function metricOf<T>(kind: new () => T, cfg: ComponentConfig | undefined, path: string, model: string): T {
  const metric = registries.metric.build(cfg ?? { type: kind.name }, path);
  if (!(metric instanceof kind)) throw new Error(`${path}: ${cfg!.type} does not evaluate a ${model}; use ${kind.name}`);
  return metric;
}

function segmentationTask(model: EncoderDecoder, evaluator: ComponentConfig | undefined, path: string): Task {
  const metric = metricOf(IoUMetric, evaluator, path, 'segmentor');
  return {
    model,
    metricNames: ['mIoU', 'mAcc', 'aAcc'],
    bestMetric: 'mIoU',
    testAug: MS_FLIP_AUG,
    higherIsBetter: () => true,
    target(batch) {
      if (!batch.labels || !batch.labelShape) throw new Error('training needs label maps: add LoadAnnotations to the train pipeline');
      return tf.tensor3d(Int32Array.from(batch.labels), batch.labelShape, 'int32');
    },
    losses(images, target) {
      const prepared = model.dataPreprocessor.forward(images, { label: target }, true);
      return model.loss(prepared.images, prepared.targets);
    },
    async evaluate(loader, options) {
      const result = await evaluateSegmentation(model, loader, metric, options);
      const metrics = { mIoU: result.mIoU ?? NaN, mAcc: result.mAcc ?? NaN, aAcc: result.aAcc };
      return { metrics, report: formatIoU(result), result };
    },
  };
}

/** Depth metrics where larger is better; every other one is an error. */
const DEPTH_ACCURACIES = new Set(['d1', 'd2', 'd3']);

function depthTask(model: DepthEstimator, evaluator: ComponentConfig | undefined, path: string): Task {
  const metric = metricOf(DepthMetric, evaluator, path, 'depth estimator');
  return {
    model,
    metricNames: metric.depthMetrics,
    bestMetric: metric.depthMetrics.includes('abs_rel') ? 'abs_rel' : metric.depthMetrics[0]!,
    testAug: DEPTH_FLIP_AUG,
    higherIsBetter: (name) => DEPTH_ACCURACIES.has(name),
    target(batch) {
      if (!batch.depths || !batch.depthShape) throw new Error('training needs depth maps: add LoadDepthAnnotation to the train pipeline');
      return tf.tensor3d(batch.depths, batch.depthShape);
    },
    losses(images, target) {
      const prepared = model.dataPreprocessor.forward(images, { depth: target }, true);
      return model.loss(prepared.images, prepared.targets);
    },
    async evaluate(loader, options) {
      const errors = await evaluateDepth(model, loader, metric, options);
      const settings = {
        min_depth_eval: metric.minDepthEval,
        max_depth_eval: metric.maxDepthEval,
        crop_type: metric.cropType,
        align: metric.align,
      };
      return { metrics: errors as Record<string, number>, report: formatDepth(errors, settings), result: { ...errors, settings } };
    },
  };
}

/**
 * The task of a built model: segmentation for an EncoderDecoder, depth for a DepthEstimator. `evaluator` is the
 * config's val_evaluator / test_evaluator (at `path`); absent, IoUMetric or DepthMetric with the dataset's settings.
 */
export function taskOf(model: Module, evaluator?: ComponentConfig, path = 'val_evaluator'): Task {
  if (model instanceof EncoderDecoder) return segmentationTask(model, evaluator, path);
  if (model instanceof DepthEstimator) return depthTask(model, evaluator, path);
  throw new Error(`${model.constructor.name} is neither a segmentor (EncoderDecoder) nor a depth estimator (DepthEstimator)`);
}
