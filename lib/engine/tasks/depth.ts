/** Task 'depth' (DepthEstimator): depth maps in metres, DepthMetric, 16-bit and colour-mapped depth PNGs. */
import * as tf from '@tensorflow/tfjs-core';
import { writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { DepthMap } from '../../../datasets/types.js';
import { DepthMetric } from '../../metrics/depth-metric.js';
import { rng } from '../../random.js';
import type { Segmentor } from '../../segmentors/types.js';
import { colorizeDepth } from '../../viz/depth.js';
import { writeDepthPng16, writePng } from '../../viz/png.js';
import { DEPTH_FLIP_AUG } from '../depth-inference.js';
import { evaluateDepth } from '../evaluate.js';
import { predictDepthFile } from '../predict.js';
import { formatDepth } from '../report.js';
import { metricOf, type PredictOutputs, type Task } from './task.js';

/** Depth metrics where larger is better; every other one is an error. */
const DEPTH_ACCURACIES = new Set(['d1', 'd2', 'd3']);

/** The smallest and largest valid (> 0, finite) depth of a map. */
function depthRange({ data }: DepthMap): [number, number] {
  let [lo, hi] = [Infinity, -Infinity];
  for (const d of data) if (d > 0 && Number.isFinite(d)) [lo, hi] = [Math.min(lo, d), Math.max(hi, d)];
  return [lo, hi];
}

/**
 * A 16-bit depth PNG (value = depth · the dataset's depth_scale, 1000 = millimetres as NYU; depths beyond 16 bits
 * are stored as 65535) and a colour-mapped PNG (magma, nearest = dark, over each image's own range) per image.
 */
async function writePredictions(model: Segmentor, o: PredictOutputs): Promise<void> {
  const scale = o.meta.depthScale ?? 1000;
  const largest = 65535 / scale;
  for (const [i, file] of o.files.entries()) {
    const { depth } = await predictDepthFile(model, o.transforms, o.meta, file, o.aug);
    const name = join(o.out, basename(file, extname(file)));
    writeDepthPng16(`${name}_depth.png`, { ...depth, data: depth.data.map((d) => Math.min(d, largest)) }, scale);
    writePng(`${name}_depth_color.png`, colorizeDepth(depth));
    const [lo, hi] = depthRange(depth);
    console.log(`${i + 1}/${o.files.length} ${file}: depth ${lo.toFixed(3)}..${hi.toFixed(3)} -> ${name}_{depth,depth_color}.png`);
  }
  writeFileSync(join(o.out, 'depth.json'), `${JSON.stringify({ depth_scale: scale, meaning: 'depth = PNG value / depth_scale' }, null, 1)}\n`);
}

export function depthTask(model: Segmentor): Task {
  return {
    model,
    testAug: DEPTH_FLIP_AUG,
    targets(batch) {
      if (!batch.depths || !batch.depthShape) throw new Error('training needs depth maps: add LoadDepthAnnotation to the train pipeline');
      return { depth: tf.tensor3d(batch.depths, batch.depthShape) };
    },
    randomTargets: (shape) => ({ depth: tf.randomUniform(shape as [number, number, number], 0.5, 10, 'float32', rng.seed()) as tf.Tensor3D }),
    evaluator(cfg, path) {
      const metric = metricOf([DepthMetric], cfg, path, 'depth estimator');
      return {
        metricNames: metric.depthMetrics,
        bestMetric: metric.depthMetrics.includes('abs_rel') ? 'abs_rel' : metric.depthMetrics[0]!,
        higherIsBetter: (name) => DEPTH_ACCURACIES.has(name),
        async evaluate(loader, options) {
          const errors = await evaluateDepth(model, loader, metric, options);
          // after the evaluation: the range and crop default to the dataset's
          const settings = {
            min_depth_eval: metric.minDepthEval,
            max_depth_eval: metric.maxDepthEval,
            crop_type: metric.cropType,
            align: metric.align,
          };
          return { metrics: errors as Record<string, number>, report: formatDepth(errors, settings), result: { ...errors, settings } };
        },
      };
    },
    predictFiles: (o) => writePredictions(model, o),
  };
}
