/**
 * Evaluation of 2D models on volumes, as TransUNet's `test_single_volume` (HiFormer's test.py): each slice is
 * predicted at the model's input size, its class map zoomed back to the label's size by nearest neighbour
 * (scipy zoom, order 0), the slices stacked into their volume, and Dice / HD95 computed per organ on the volume.
 * Samples that are not slices of a volume (a .npz or PNG dataset) are cases of their own, one slice deep.
 */
import * as tf from '@tensorflow/tfjs-core';
import { basename, extname } from 'node:path';
import { requireImages, type SampleMeta } from '../../datasets/loader/batch.js';
import type { DataLoader } from '../../datasets/loader.js';
import { zoomRaster } from '../../datasets/transforms/zoom.js';
import type { DiceHD95Metric, DiceHD95Result } from '../metrics/dice-hd95-metric.js';
import type { Segmentor } from '../segmentors/types.js';
import type { EvaluateOptions } from './evaluate.js';
import { predictLabels } from './inference.js';

/** A volume being filled slice by slice: [D, h, w] class maps. */
interface OpenVolume {
  pred: Uint8Array;
  label: Uint8Array;
  shape: [number, number, number];
  filled: number;
}

/** Collects slices into their volumes and hands each complete one to the metric. */
class VolumeAssembler {
  readonly #open = new Map<string, OpenVolume>();

  constructor(readonly metric: DiceHD95Metric) {}

  /** Add one slice (`pred`, `label`: [h, w]) of the sample `meta`. */
  add(meta: SampleMeta, pred: Uint8Array, label: Uint8Array, h: number, w: number): void {
    const { name, slice, slices } = meta.volume ?? { name: basename(meta.imgPath, extname(meta.imgPath)), slice: 0, slices: 1 };
    let volume = this.#open.get(name);
    if (volume === undefined) {
      const size = slices * h * w;
      volume = { pred: new Uint8Array(size), label: new Uint8Array(size), shape: [slices, h, w], filled: 0 };
      this.#open.set(name, volume);
    }
    if (volume.shape[1] !== h || volume.shape[2] !== w) {
      throw new Error(`${meta.imgPath}: slice ${slice} of ${name} is ${h}x${w}, its volume ${volume.shape[1]}x${volume.shape[2]}`);
    }
    volume.pred.set(pred, slice * h * w);
    volume.label.set(label, slice * h * w);
    if (++volume.filled === slices) {
      this.metric.processCase(name, volume.pred, volume.label, volume.shape);
      this.#open.delete(name);
    }
  }

  /** Fail when a volume misses slices (a dataset listing part of a volume). */
  finish(): void {
    for (const [name, v] of this.#open) throw new Error(`volume ${name}: ${v.filled} of ${v.shape[0]} slices were evaluated`);
  }
}

/**
 * Dice and HD95 per organ and per case of `model` on every sample of `loader` (one epoch, in order). The test
 * pipeline loads labels at their original size (LoadAnnotations after Zoom).
 */
export async function evaluateVolumes(
  model: Segmentor,
  loader: DataLoader,
  metric: DiceHD95Metric,
  options: EvaluateOptions = {},
): Promise<DiceHD95Result> {
  const wasTraining = model.training;
  model.eval();
  metric.datasetMeta = { classes: loader.dataset.meta.classes };
  metric.reset();
  const volumes = new VolumeAssembler(metric);
  let done = 0;
  for await (const batch of loader.epoch(0)) {
    requireImages(batch, model.constructor.name);
    if (!batch.labels || !batch.labelShape) throw new Error('evaluation needs annotations: add LoadAnnotations to the test pipeline');
    const [b, h, w] = batch.labelShape;
    const [, H, W] = batch.shape;
    const pred = tf.tidy(() => {
      const { images } = model.dataPreprocessor.forward(tf.tensor4d(batch.images, batch.shape));
      return predictLabels(model, images, [H, W], options.aug, [H, W]).dataSync() as Int32Array;
    });
    for (let i = 0; i < b; i++) {
      const atInput = { data: Uint8Array.from(pred.subarray(i * H * W, (i + 1) * H * W)), height: H, width: W, channels: 1 };
      const back = zoomRaster(atInput, h, w, 0).data as Uint8Array;
      volumes.add(batch.samples[i]!, back, batch.labels.subarray(i * h * w, (i + 1) * h * w), h, w);
    }
    done += b;
    options.progress?.(done, loader.dataset.length);
  }
  volumes.finish();
  model.train(wasTraining);
  return metric.compute();
}
