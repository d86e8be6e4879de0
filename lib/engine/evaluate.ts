/** Evaluation of a segmentation or depth model over a dataset, streaming one batch at a time through the model and the metric. */
import * as tf from '@tensorflow/tfjs-core';
import type { DataLoader } from '../../datasets/loader.js';
import { requireImages } from '../../datasets/loader/batch.js';
import type { Segmentor } from '../segmentors/types.js';
import type { DepthMetric } from '../metrics/depth-metric.js';
import type { DepthErrors } from '../metrics/depth.js';
import type { ClassMap } from '../metrics/iou.js';
import { predictDepth } from './depth-inference.js';
import { predictLabels, type AugOptions } from './inference.js';

export interface EvaluateOptions {
  aug?: AugOptions;
  /** Called after each batch with (done, total) for progress display. */
  progress?: (done: number, total: number) => void;
  /** Volumes predicted by sliding windows: called after each window of the current volume with (done, total). */
  windows?: (done: number, total: number) => void;
}

/** A metric fed image by image with predicted and ground-truth class maps (IoUMetric, BinarySegMetric). */
export interface PixelMetric<R> {
  datasetMeta?: { classes: readonly string[] };
  reset(): void;
  process(pred: ClassMap, label: ClassMap): void;
  compute(): R;
}

/**
 * mIoU & co. of `model` on every sample of `loader` (one epoch, in order). Predictions are made at the label's size
 * (mmseg loads test labels at the original size and resizes logits back to it).
 */
export async function evaluateSegmentation<R>(
  model: Segmentor,
  loader: DataLoader,
  metric: PixelMetric<R>,
  options: EvaluateOptions = {},
): Promise<R> {
  const wasTraining = model.training;
  model.eval();
  metric.datasetMeta = { classes: loader.dataset.meta.classes };
  metric.reset();
  let done = 0;
  for await (const batch of loader.epoch(0)) {
    requireImages(batch, model.constructor.name);
    if (!batch.labels || !batch.labelShape) throw new Error('evaluation needs annotations: add LoadAnnotations to the test pipeline');
    const [b, h, w] = batch.labelShape;
    const pred = tf.tidy(() => {
      const { images } = model.dataPreprocessor.forward(tf.tensor4d(batch.images, batch.shape));
      const unpadded: [number, number] = [batch.shape[1], batch.shape[2]];
      return predictLabels(model, images, [h, w], options.aug, unpadded).dataSync() as Int32Array;
    });
    for (let i = 0; i < b; i++) {
      metric.process(pred.subarray(i * h * w, (i + 1) * h * w), batch.labels.subarray(i * h * w, (i + 1) * h * w));
    }
    done += b;
    options.progress?.(done, loader.dataset.length);
  }
  model.train(wasTraining);
  return metric.compute();
}

/**
 * Depth errors of `model` on every sample of `loader` (one epoch, in order), predictions made at the depth map's
 * size (the original one when the test pipeline loads depth after Resize). The metric's range and crop default to
 * the dataset's.
 */
export async function evaluateDepth(
  model: Segmentor,
  loader: DataLoader,
  metric: DepthMetric,
  options: EvaluateOptions = {},
): Promise<Partial<DepthErrors>> {
  const wasTraining = model.training;
  model.eval();
  const { minDepth, maxDepth, cropType } = loader.dataset.meta;
  metric.datasetMeta = { minDepth, maxDepth, cropType };
  metric.reset();
  let done = 0;
  for await (const batch of loader.epoch(0)) {
    if (!batch.depths || !batch.depthShape) throw new Error('evaluation needs depth maps: add LoadDepthAnnotation to the test pipeline');
    const [b, h, w] = batch.depthShape;
    const pred = tf.tidy(() => predictDepth(model, tf.tensor4d(batch.images, batch.shape), [h, w], options.aug).dataSync() as Float32Array);
    const image = (data: Float32Array, i: number) => ({ data: data.subarray(i * h * w, (i + 1) * h * w), height: h, width: w });
    for (let i = 0; i < b; i++) metric.process(image(pred, i), image(batch.depths, i));
    done += b;
    options.progress?.(done, loader.dataset.length);
  }
  model.train(wasTraining);
  return metric.compute();
}
