/** Evaluation metrics, registered under mmseg's names with its option names. */
import { registries } from '../registry.js';
import { DEPTH_METRICS, type DepthCrop, type DepthMetricName } from './depth.js';
import { DepthMetric } from './depth-metric.js';
import type { IoUMetricName } from './iou.js';
import { IoUMetric } from './iou-metric.js';

export { IoUMetric, type IoUMetricOptions, type IoUResult, type ClassResult } from './iou-metric.js';
export {
  intersectAndUnion, totalAreaToMetrics, type Areas, type ClassMap, type ClassRatios, type IoUMetricName,
} from './iou.js';
export { DepthMetric, type DepthMetricOptions } from './depth-metric.js';
export {
  depthErrors, cropBox, DEPTH_METRICS, type DepthImage, type DepthCrop, type DepthErrors, type DepthMetricName,
} from './depth.js';
export { roundHalfEven, nanMean } from './round.js';

interface IoUMetricConfig {
  ignore_index: number;
  iou_metrics: IoUMetricName[];
  nan_to_num: number | null;
  beta: number;
}

registries.metric.register<IoUMetricConfig>('IoUMetric', {
  description: 'mIoU / mDice / mFscore from per-class areas summed over the dataset, as mmseg 1.x',
  schema: {
    properties: {
      ignore_index: { type: 'integer', default: 255 },
      iou_metrics: {
        type: 'array',
        items: { enum: ['mIoU', 'mDice', 'mFscore'] },
        minItems: 1,
        default: ['mIoU'],
      },
      nan_to_num: { type: ['number', 'null'], default: null },
      beta: { type: 'number', exclusiveMinimum: 0, default: 1 },
    },
  },
  build: (o) =>
    new IoUMetric({ ignoreIndex: o.ignore_index, iouMetrics: o.iou_metrics, nanToNum: o.nan_to_num, beta: o.beta }),
});

interface DepthMetricConfig {
  depth_metrics: DepthMetricName[] | null;
  min_depth_eval: number;
  max_depth_eval: number | null;
  crop_type: DepthCrop | null;
}

registries.metric.register<DepthMetricConfig>('DepthMetric', {
  description: 'depth errors per image over valid pixels in the crop, averaged over images, as BTS evaluates',
  schema: {
    properties: {
      depth_metrics: { type: ['array', 'null'], items: { enum: [...DEPTH_METRICS] }, minItems: 1, default: null },
      min_depth_eval: { type: 'number', exclusiveMinimum: 0, default: 1e-3 },
      max_depth_eval: { type: ['number', 'null'], exclusiveMinimum: 0, default: null, description: 'null: no upper bound' },
      crop_type: {
        enum: [null, 'nyu_crop', 'eigen_crop', 'garg_crop'],
        default: null,
        description: 'nyu_crop: Eigen NYU crop on 480x640; eigen_crop / garg_crop: the KITTI crops',
      },
    },
  },
  build: (o) =>
    new DepthMetric({
      depthMetrics: o.depth_metrics ?? undefined,
      minDepthEval: o.min_depth_eval,
      maxDepthEval: o.max_depth_eval ?? undefined,
      cropType: o.crop_type,
    }),
});
