/** Task 'segmentation' (EncoderDecoder): class-id labels, IoUMetric, label / mask / overlay / legend PNGs. */
import * as tf from '@tensorflow/tfjs-core';
import { writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { IoUMetric } from '../../metrics/iou-metric.js';
import { rng } from '../../random.js';
import type { Segmentor } from '../../segmentors/types.js';
import { colorize, labelsPresent, legend, overlay } from '../../viz/masks.js';
import { writeLabelPng, writePng } from '../../viz/png.js';
import { evaluateSegmentation } from '../evaluate.js';
import { MS_FLIP_AUG } from '../inference.js';
import { predictFile } from '../predict.js';
import { formatIoU } from '../report.js';
import { metricOf, type PredictOutputs, type Task } from './task.js';

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

export function segmentationTask(model: Segmentor): Task {
  return {
    model,
    testAug: MS_FLIP_AUG,
    targets(batch) {
      if (!batch.labels || !batch.labelShape) throw new Error('training needs label maps: add LoadAnnotations to the train pipeline');
      return { label: tf.tensor3d(Int32Array.from(batch.labels), batch.labelShape, 'int32') };
    },
    randomTargets: (shape) => ({ label: tf.randomUniformInt(shape, 0, model.decodeHead.numClasses, rng.seed()) as tf.Tensor3D }),
    evaluator(cfg, path) {
      const metric = metricOf(IoUMetric, cfg, path, 'segmentor');
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
    },
    predictFiles: (o) => writePredictions(model, o),
  };
}
