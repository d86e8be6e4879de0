/**
 * Task 'segmentation' (EncoderDecoder): class-id labels; IoUMetric, DiceHD95Metric (volumes) or BinarySegMetric
 * (lesions); label / mask / overlay / legend PNGs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { requireImages } from '../../../datasets/loader/batch.js';
import { BinarySegMetric } from '../../metrics/binary-seg-metric.js';
import { DiceHD95Metric } from '../../metrics/dice-hd95-metric.js';
import { IoUMetric } from '../../metrics/iou-metric.js';
import { rng } from '../../random.js';
import type { Segmentor } from '../../segmentors/types.js';
import { legend } from '../../viz/legend.js';
import { colorize, labelsPresent, overlay } from '../../viz/masks.js';
import { writeLabelPng, writePng } from '../../viz/png.js';
import { evaluateSegmentation } from '../evaluate.js';
import { MS_FLIP_AUG } from '../inference.js';
import { predictFile } from '../predict.js';
import { evaluateVolumes } from '../evaluate-volumes.js';
import { formatBinarySeg, formatDiceHD95, formatIoU } from '../report.js';
import { metricOf, type Evaluator, type PredictOutputs, type Task } from './task.js';

/** Label PNG, colour mask, overlay and legend per image, and the classes with their colours. */
async function writePredictions(model: Segmentor, o: PredictOutputs): Promise<void> {
  const { classes, palette } = o.meta;
  for (const [i, file] of o.files.entries()) {
    const { image, label } = await predictFile(model, o.transforms, o.meta, file, o.aug);
    const name = join(o.out, basename(file, extname(file)));
    const colored = colorize(label, palette);
    await writeLabelPng(`${name}_label.png`, label);
    await writePng(`${name}_mask.png`, colored);
    await writePng(`${name}_overlay.png`, overlay(image, colored, o.opacity));
    const present = labelsPresent(label);
    await writePng(`${name}_legend.png`, await legend(classes, palette, present));
    console.log(`${i + 1}/${o.files.length} ${file}: ${present.map((c) => classes[c]).join(', ')} -> ${name}_{label,mask,overlay,legend}.png`);
  }
  writeFileSync(join(o.out, 'classes.json'), `${JSON.stringify({ classes, palette }, null, 1)}\n`);
}

type SegMetric = IoUMetric | DiceHD95Metric | BinarySegMetric;

/** mmseg's IoUMetric over every pixel of the dataset. */
function iouEvaluator(model: Segmentor, metric: IoUMetric): Evaluator {
  return {
    metricNames: ['mIoU', 'mAcc', 'aAcc'],
    bestMetric: 'mIoU',
    higherIsBetter: () => true,
    async evaluate(loader, options) {
      const result = await evaluateSegmentation(model, loader, metric, options);
      const metrics = { mIoU: result.mIoU ?? NaN, mAcc: result.mAcc ?? NaN, aAcc: result.aAcc };
      return { metrics, report: formatIoU(result), result };
    },
  };
}

/** Dice and HD95 per organ on whole volumes (TransUNet's test). */
function volumeEvaluator(model: Segmentor, metric: DiceHD95Metric): Evaluator {
  return {
    metricNames: ['mDice', 'mHD95'],
    bestMetric: 'mDice',
    higherIsBetter: (name) => name !== 'mHD95',
    async evaluate(loader, options) {
      const result = await evaluateVolumes(model, loader, metric, options);
      return { metrics: { mDice: result.mDice, mHD95: result.mHD95 }, report: formatDiceHD95(result), result };
    },
  };
}

/** Dice, IoU, sensitivity, specificity and accuracy of the lesion class over every pixel. */
function lesionEvaluator(model: Segmentor, metric: BinarySegMetric): Evaluator {
  return {
    metricNames: ['Dice', 'IoU', 'Sensitivity', 'Specificity', 'Accuracy'],
    bestMetric: 'Dice',
    higherIsBetter: () => true,
    async evaluate(loader, options) {
      const result = await evaluateSegmentation(model, loader, metric, options);
      return { metrics: { ...result }, report: formatBinarySeg(result), result };
    },
  };
}

export function segmentationTask(model: Segmentor): Task {
  return {
    model,
    testAug: MS_FLIP_AUG,
    targets(batch) {
      requireImages(batch, model.constructor.name);
      if (!batch.labels || !batch.labelShape) throw new Error('training needs label maps: add LoadAnnotations to the train pipeline');
      return { label: tf.tensor3d(Int32Array.from(batch.labels), batch.labelShape, 'int32') };
    },
    randomTargets: (shape) => ({ label: tf.randomUniformInt(shape as [number, number, number], 0, model.decodeHead.numClasses, rng.seed()) as tf.Tensor3D }),
    evaluator(cfg, path) {
      const metric = metricOf<SegMetric>([IoUMetric, DiceHD95Metric, BinarySegMetric], cfg, path, 'segmentor');
      if (metric instanceof DiceHD95Metric) return volumeEvaluator(model, metric);
      if (metric instanceof BinarySegMetric) return lesionEvaluator(model, metric);
      return iouEvaluator(model, metric);
    },
    predictFiles: (o) => writePredictions(model, o),
  };
}
